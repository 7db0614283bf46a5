// Clip -> HLS without re-encoding: the store's fragments for [start, end) are written after their
// stream header into a temporary Matroska file, and one gst-launch-1.0 run remuxes it into MPEG-TS
// segments with hlssink2 (matroskademux -> h264parse/h265parse config-interval=-1, so every segment
// carries its parameter sets and decodes on its own). AAC passes through; G.711 and anything else
// mpegtsmux cannot carry is dropped and said so in the notes. Segments are cut at the first keyframe
// after the target duration, so they are whole GOPs and the clip itself is rounded out to whole
// fragments (the first keyframe at or before start, the end of the fragment holding end).
import { mkdir, open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Fragment, TrackInfo } from '../mkv/index.js';
import { describeTracks, videoKind, type StreamDescription } from './codecs.js';
import { VodError } from './errors.js';
import { runGstLaunch } from './gst.js';
import { bandwidth, mediaSegments, parentPlaylist, vodMediaPlaylist, type MediaSegment } from './playlist.js';

/** Reads recorded fragments; the store's `read` fits. */
export interface FragmentSource {
  read(cameraId: string, startMs: number, endMs: number): AsyncIterable<Fragment>;
}

/** One file of a packaged clip, path relative to the clip folder (also its S3 key suffix). */
export interface PackagedFile {
  path: string;
  bytes: number;
  contentType: string;
  kind: 'segment' | 'media-playlist' | 'parent-playlist';
}

/** A clip converted to HLS on disk, ready to upload. */
export interface PackagedClip {
  dir: string;
  /** Segments first, then the media playlist, the parent playlist last: the upload order. */
  files: PackagedFile[];
  segments: (MediaSegment & { bytes: number })[];
  stream: StreamDescription;
  /** What the clip really covers (whole fragments). */
  startMs: number;
  endMs: number;
  notes: string[];
}

/** Options of packageClip. */
export interface PackageOptions {
  /** hlssink2 target-duration; real segments are whole GOPs at least this long. */
  segmentSeconds?: number;
  signal?: AbortSignal;
  gstLaunchPath?: string;
  timeoutMs?: number;
}

export const PARENT_PLAYLIST = 'index.m3u8';
export const MEDIA_PLAYLIST = 'v/index.m3u8';
const DEFAULT_SEGMENT_SECONDS = 6;

function pickTracks(tracks: TrackInfo[], notes: string[]): { video: TrackInfo; audio?: TrackInfo } {
  const video = tracks.find((t) => t.kind === 'video');
  if (!video || !videoKind(video.codecId)) {
    throw new VodError(
      'unsupported-codec',
      `the recording's video is ${video?.codecId ?? 'missing'}; only H.264 and H.265 can be published without re-encoding`,
    );
  }
  const audio = tracks.find((t) => t.kind === 'audio');
  if (audio && audio.codecId !== 'A_AAC') {
    const name = audio.codecId === 'A_MS/ACM' ? 'G.711' : audio.codecId;
    notes.push(
      `${name} audio dropped (MPEG-TS for MediaPackage carries AAC only; audio is never transcoded)`,
    );
    return { video };
  }
  return audio ? { video, audio } : { video };
}

/** Writes header + fragments with one header to `file`; returns the fragments' span. */
async function writeClipFile(
  source: FragmentSource,
  cameraId: string,
  startMs: number,
  endMs: number,
  file: string,
  notes: string[],
  signal?: AbortSignal,
): Promise<{ tracks: TrackInfo[]; startMs: number; endMs: number }> {
  const handle = await open(file, 'w', 0o600);
  let headerBytes: Buffer | undefined;
  let tracks: TrackInfo[] = [];
  let first = 0;
  let last = 0;
  try {
    for await (const f of source.read(cameraId, startMs, endMs)) {
      if (signal?.aborted) throw new VodError('aborted', 'publishing was cancelled');
      if (headerBytes === undefined) {
        headerBytes = f.header.bytes;
        tracks = f.header.tracks;
        first = f.startMs;
        await handle.write(f.header.bytes);
      } else if (!f.header.bytes.equals(headerBytes)) {
        // Codec parameters changed (camera reconfigured or restarted): one HLS variant cannot hold
        // both, so the clip ends here and says so.
        notes.push(
          `clip cut at ${new Date(f.startMs).toISOString()}: the camera's stream parameters changed there; publish the rest as its own clip`,
        );
        break;
      }
      await handle.write(f.bytes);
      last = f.endMs;
    }
  } finally {
    await handle.close();
  }
  if (headerBytes === undefined) {
    throw new VodError(
      'no-recording',
      `camera ${cameraId} has no recording between ${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}`,
    );
  }
  return { tracks, startMs: first, endMs: last };
}

function pipeline(
  clipFile: string,
  dir: string,
  kind: 'h264' | 'h265',
  audio: boolean,
  hasAudioTrack: boolean,
  segmentSeconds: number,
): string[] {
  const args = [
    'filesrc',
    `location=${clipFile}`,
    '!',
    'matroskademux',
    'name=d',
    'd.video_0',
    '!',
    'queue',
    '!',
    kind === 'h264' ? 'h264parse' : 'h265parse',
    'config-interval=-1',
    '!',
    'hls.video',
  ];
  if (audio) args.push('d.audio_0', '!', 'queue', '!', 'aacparse', '!', 'hls.audio');
  // A dropped audio track still needs a consumer, or the demuxer's pad is left unlinked.
  else if (hasAudioTrack) args.push('d.audio_0', '!', 'queue', '!', 'fakesink', 'sync=false');
  args.push(
    'hlssink2',
    'name=hls',
    `location=${path.join(dir, 'v', 'seg%05d.ts')}`,
    `playlist-location=${path.join(dir, 'v', 'hlssink2.m3u8')}`,
    `target-duration=${segmentSeconds}`,
    'max-files=0',
    'playlist-length=0',
    'send-keyframe-requests=false',
  );
  return args;
}

/** Converts the camera's recording of [startMs, endMs) into HLS files under `dir` (created). */
export async function packageClip(
  source: FragmentSource,
  cameraId: string,
  startMs: number,
  endMs: number,
  dir: string,
  options: PackageOptions = {},
): Promise<PackagedClip> {
  const notes: string[] = [];
  await mkdir(path.join(dir, 'v'), { recursive: true, mode: 0o700 });
  const clipFile = path.join(dir, 'clip.mkv');
  const span = await writeClipFile(source, cameraId, startMs, endMs, clipFile, notes, options.signal);
  const { video, audio } = pickTracks(span.tracks, notes);
  const stream = describeTracks(video, audio);
  const hasAudioTrack = span.tracks.some((t) => t.kind === 'audio');
  try {
    await runGstLaunch(
      pipeline(
        clipFile,
        dir,
        stream.video,
        audio !== undefined,
        hasAudioTrack,
        options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS,
      ),
      {
        timeoutMs: options.timeoutMs ?? 120_000,
        finished: async () =>
          (await readFile(path.join(dir, 'v', 'hlssink2.m3u8'), 'utf8').catch(() => '')).includes(
            '#EXT-X-ENDLIST',
          ),
        ...(options.signal && { signal: options.signal }),
        ...(options.gstLaunchPath !== undefined && { gstLaunchPath: options.gstLaunchPath }),
      },
    );
  } catch (err) {
    if (options.signal?.aborted) throw new VodError('aborted', 'publishing was cancelled', { cause: err });
    throw new VodError(
      'conversion-failed',
      `converting the clip of camera ${cameraId} to HLS failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const listed = mediaSegments(await readFile(path.join(dir, 'v', 'hlssink2.m3u8'), 'utf8'));
  const present = new Set(await readdir(path.join(dir, 'v')));
  const segments: (MediaSegment & { bytes: number })[] = [];
  for (const s of listed) {
    if (!present.has(s.uri)) continue;
    const { size } = await stat(path.join(dir, 'v', s.uri));
    // hlssink2 may close an empty last segment at EOS; it holds no frame.
    if (size === 0) continue;
    segments.push({ ...s, bytes: size });
  }
  if (segments.length === 0) {
    throw new VodError('conversion-failed', `converting the clip of camera ${cameraId} produced no segments`);
  }
  const media = vodMediaPlaylist(segments);
  const parent = parentPlaylist(stream, bandwidth(segments), MEDIA_PLAYLIST);
  await writeFile(path.join(dir, MEDIA_PLAYLIST), media);
  await writeFile(path.join(dir, PARENT_PLAYLIST), parent);
  const files: PackagedFile[] = [
    ...segments.map((s) => ({
      path: `v/${s.uri}`,
      bytes: s.bytes,
      contentType: 'video/MP2T',
      kind: 'segment' as const,
    })),
    {
      path: MEDIA_PLAYLIST,
      bytes: Buffer.byteLength(media),
      contentType: 'application/vnd.apple.mpegurl',
      kind: 'media-playlist',
    },
    {
      path: PARENT_PLAYLIST,
      bytes: Buffer.byteLength(parent),
      contentType: 'application/vnd.apple.mpegurl',
      kind: 'parent-playlist',
    },
  ];
  return { dir, files, segments, stream, startMs: span.startMs, endMs: span.endMs, notes };
}
