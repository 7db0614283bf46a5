// The one encoder of test video: GStreamer's videotestsrc through x264enc (or x265enc), muxed by
// matroskamux, the way the camera source's own pipeline muxes what a camera sends. Tests and benchmarks
// describe the clip they need (size, rate, GOP, length, codec, audio, timecodes) and never spell out a
// pipeline of their own, so one change of encoder settings reaches every fixture.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClipOptions {
  /** Length of the video; the frame count is seconds x fps, rounded. */
  seconds: number;
  /** Default 160. */
  width?: number;
  /** Default 120. */
  height?: number;
  /** Frames per second, default 15. */
  fps?: number;
  /** Frames from one keyframe to the next, default fps (a 1 s GOP). */
  gopFrames?: number;
  /** Default h264. */
  codec?: 'h264' | 'h265';
  /** Encoder bitrate; default the encoder's own (x264enc: 2048 kbit/s). */
  bitrateKbps?: number;
  /** x264 speed preset, default ultrafast (fast enough for a loaded test machine). */
  preset?: 'ultrafast' | 'veryfast';
  /** Test picture, default videotestsrc's colour bars; snow does not compress, so the bitrate asked for is written. */
  pattern?: 'ball' | 'snow' | 'smpte';
  /** A live source stamps frames as they are made (splitmuxsink 1.22 can hang at EOS behind a non-live one). */
  live?: boolean;
  /** An audio track: AAC at 48 kHz or G.711 A-law at 8 kHz, mono, for `seconds` (default the video's). */
  audio?: { codec: 'aac' | 'alaw'; seconds?: number };
  /** Matroska timecodes start at this epoch time (cluster-timestamp-offset) rather than at zero. */
  epochStartMs?: number;
  /** Shortest cluster matroskamux writes (min-cluster-duration). */
  minClusterMs?: number;
  /** Default true, as the camera source muxes; false writes a seekable file with cues and a duration. */
  streamable?: boolean;
}

/**
 * gst-launch arguments from videotestsrc to the parsed elementary stream (ending after h264parse or
 * h265parse, before the `!` to a muxer), for pipelines whose sink is itself under test (splitmuxsink).
 */
export function videoSourceArgs(o: ClipOptions): string[] {
  const fps = o.fps ?? 15;
  const codec = o.codec ?? 'h264';
  const encoder =
    codec === 'h264'
      ? ['x264enc', `speed-preset=${o.preset ?? 'ultrafast'}`]
      : ['x265enc', `speed-preset=${o.preset ?? 'ultrafast'}`];
  return [
    'videotestsrc',
    `num-buffers=${Math.round(o.seconds * fps)}`,
    `pattern=${o.pattern ?? 'smpte'}`,
    ...(o.live ? ['is-live=true'] : []),
    '!',
    `video/x-raw,format=I420,width=${o.width ?? 160},height=${o.height ?? 120},framerate=${fps}/1`,
    '!',
    ...encoder,
    'tune=zerolatency',
    `key-int-max=${o.gopFrames ?? fps}`,
    ...(o.bitrateKbps === undefined ? [] : [`bitrate=${o.bitrateKbps}`]),
    '!',
    codec === 'h264' ? 'h264parse' : 'h265parse',
  ];
}

function audioArgs(o: ClipOptions): string[] {
  if (!o.audio) return [];
  const seconds = o.audio.seconds ?? o.seconds;
  return o.audio.codec === 'aac'
    ? [
        ...['audiotestsrc', `num-buffers=${Math.round((seconds * 48000) / 1024)}`, 'samplesperbuffer=1024'],
        ...['!', 'audio/x-raw,rate=48000,channels=1', '!', 'voaacenc', '!', 'aacparse', '!', 'mux.'],
      ]
    : [
        ...['audiotestsrc', `num-buffers=${Math.round(seconds * 10)}`, 'samplesperbuffer=800'],
        ...['!', 'audio/x-raw,rate=8000,channels=1', '!', 'alawenc', '!', 'mux.'],
      ];
}

async function encode(o: ClipOptions): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'testkit-clip-'));
  const file = path.join(dir, 'clip.mkv');
  try {
    await run(
      'gst-launch-1.0',
      [
        '-q',
        'matroskamux',
        'name=mux',
        `streamable=${o.streamable ?? true}`,
        ...(o.minClusterMs === undefined ? [] : [`min-cluster-duration=${o.minClusterMs * 1_000_000}`]),
        ...(o.epochStartMs === undefined
          ? []
          : [`cluster-timestamp-offset=${BigInt(o.epochStartMs) * 1_000_000n}`]),
        ...['!', 'filesink', `location=${file}`],
        ...videoSourceArgs(o),
        ...['!', 'mux.'],
        ...audioArgs(o),
      ],
      { timeout: 180_000 },
    );
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Per process; a handful of clips at most in a test file, but epochStartMs can differ per call.
const MAX_CACHED = 16;
const cache = new Map<string, Promise<Buffer>>();

/** Matroska bytes of the clip `o` describes, encoded once per process for the same options. */
export function encodeClip(o: ClipOptions): Promise<Buffer> {
  const key = JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const hit = cache.get(key);
  if (hit) return hit;
  const p = encode(o);
  cache.set(key, p);
  // A failed encode is not remembered: the next caller tries again and sees its own error.
  void p.catch(() => cache.delete(key));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return p;
}

/** The clip `o` describes, written to `file`. */
export async function writeClip(file: string, o: ClipOptions): Promise<void> {
  await writeFile(file, await encodeClip(o));
}
