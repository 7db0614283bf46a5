// The two playlists MediaPackage ingests: hlssink2's media playlist rewritten as a finished VOD
// playlist, and a parent (multivariant) playlist pointing at it, which is what sourceArn names.
import type { StreamDescription } from './codecs.js';

/** One media segment of a VOD playlist. */
export interface MediaSegment {
  uri: string;
  durationS: number;
}

/** Segments (EXTINF + URI pairs) of a media playlist; tolerant of blank lines and unknown tags. */
export function mediaSegments(text: string): MediaSegment[] {
  const out: MediaSegment[] = [];
  let duration: number | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXTINF:')) {
      duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (!line.startsWith('#') && duration !== undefined) {
      out.push({ uri: line, durationS: duration });
      duration = undefined;
    }
  }
  return out;
}

/**
 * A finished VOD media playlist: PLAYLIST-TYPE VOD, TARGETDURATION = ceil(longest segment) (hlssink2
 * rounds to nearest, which the HLS spec forbids when a segment is longer), ENDLIST, no blank lines.
 */
export function vodMediaPlaylist(segments: MediaSegment[]): string {
  const longest = Math.max(1, ...segments.map((s) => s.durationS));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-TARGETDURATION:${Math.ceil(longest - 1e-6)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  for (const s of segments) lines.push(`#EXTINF:${s.durationS.toFixed(3)},`, s.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** Peak and average bits per second over segments with their sizes in bytes. */
export function bandwidth(segments: { durationS: number; bytes: number }[]): {
  peak: number;
  average: number;
} {
  let peak = 0;
  let bits = 0;
  let seconds = 0;
  for (const s of segments) {
    // A last segment of one frame would claim an absurd peak; rate it as if it were 1 s long.
    const d = Math.max(s.durationS, 1);
    peak = Math.max(peak, (s.bytes * 8) / d);
    bits += s.bytes * 8;
    seconds += s.durationS;
  }
  const average = seconds > 0 ? bits / seconds : 0;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}

/** The parent playlist with one variant: the media playlist at `mediaUri`. */
export function parentPlaylist(
  stream: StreamDescription,
  rate: { peak: number; average: number },
  mediaUri: string,
): string {
  const attrs = [
    `BANDWIDTH=${Math.max(1, rate.peak)}`,
    `AVERAGE-BANDWIDTH=${Math.max(1, rate.average)}`,
    `CODECS="${stream.codecs.join(',')}"`,
  ];
  if (stream.width !== undefined && stream.height !== undefined)
    attrs.push(`RESOLUTION=${stream.width}x${stream.height}`);
  if (stream.frameRate !== undefined) attrs.push(`FRAME-RATE=${stream.frameRate.toFixed(3)}`);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-STREAM-INF:${attrs.join(',')}`,
    mediaUri,
    '',
  ].join('\n');
}
