// DASH egress of the stand-in: a static MPD built from the asset's HLS source at ingest, the way the
// real service packages once and serves the result. There is no repackaging: every variant of the
// parent playlist becomes a Representation (mimeType video/mp2t, codecs from CODECS) whose
// SegmentTemplate + SegmentTimeline ($Number$) names the source's own .ts segments by their path
// relative to the parent playlist, so the egress serves them from S3 unchanged. That only works when a
// variant's segment names are one numbered pattern (seg00000.ts, seg00001.ts, ...), which is what
// hlssink2 and splitmuxsink write; any other source fails the DASH endpoint with a reason.
import { posix } from 'node:path';

/** Reads a text object of the source's bucket; undefined when it is missing. */
export type ReadText = (key: string) => string | undefined;

/** Why a source cannot be presented as DASH; the stand-in marks the endpoint FAILED. */
export class DashSourceError extends Error {}

// Timeline units: the MPEG-TS clock, so segment boundaries land where the TS timestamps do.
const TIMESCALE = 90_000;

interface Variant {
  /** Playlist path relative to the parent playlist's folder. */
  uri: string;
  attrs: Record<string, string>;
}

interface Segment {
  path: string;
  seconds: number;
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith('"') ? v.slice(1, -1) : v;
  }
  return out;
}

function lines(text: string, key: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trimStart().startsWith('#EXTM3U')) throw new DashSourceError(`${key} is not an HLS playlist`);
  return body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A path relative to the source folder, refusing what the egress could not serve from it. */
function sourceRelative(fromDir: string, uri: string, key: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/'))
    throw new DashSourceError(`${key} names ${uri}, which is not relative to the source`);
  const rel = posix.normalize(posix.join(fromDir, uri));
  if (rel.startsWith('..')) throw new DashSourceError(`${key} names ${uri}, outside the source folder`);
  return rel;
}

function variantsOf(parent: string[]): Variant[] {
  const out: Variant[] = [];
  let pending: Record<string, string> | undefined;
  for (const line of parent) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) pending = attributes(line.slice(line.indexOf(':') + 1));
    else if (!line.startsWith('#') && pending) {
      out.push({ uri: line, attrs: pending });
      pending = undefined;
    }
  }
  return out;
}

function segmentsOf(media: string[], dir: string, key: string): Segment[] {
  const out: Segment[] = [];
  let seconds: number | undefined;
  for (const line of media) {
    if (line.startsWith('#EXTINF:')) seconds = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (!line.startsWith('#') && seconds !== undefined) {
      if (!(seconds > 0)) throw new DashSourceError(`${key} has a segment without a positive EXTINF`);
      out.push({ path: sourceRelative(dir, line, key), seconds });
      seconds = undefined;
    }
  }
  if (out.length === 0) throw new DashSourceError(`${key} lists no segments`);
  return out;
}

/** `media` + `startNumber` naming every segment in order, or a reason why no template can. */
export function numberTemplate(paths: string[]): { media: string; startNumber: number } {
  const parts = paths.map((p) => /^(.*?)(\d+)(\D*)$/.exec(p));
  const first = parts[0];
  if (!first) throw new DashSourceError(`segment ${paths[0]} has no number to template`);
  const [, prefix, digits, suffix] = first;
  const start = Number(digits);
  const width = digits!.length;
  const padded = parts.every((m) => m?.[2]!.length === width);
  parts.forEach((m, i) => {
    const ok =
      m !== null &&
      m[1] === prefix &&
      m[3] === suffix &&
      Number(m[2]) === start + i &&
      (padded || !m[2]!.startsWith('0') || m[2] === '0');
    if (!ok) throw new DashSourceError(`segment ${paths[i]} does not follow ${paths[0]}'s numbering`);
  });
  const esc = (s: string) => s.replace(/\$/g, '$$$$');
  const number = padded && width > 1 ? `$Number%0${width}d$` : '$Number$';
  return { media: `${esc(prefix!)}${number}${esc(suffix!)}`, startNumber: start };
}

/** SegmentTimeline entries: boundaries rounded from the running total, so rounding never drifts. */
function timeline(segments: Segment[]): string[] {
  const out: { d: number; r: number }[] = [];
  let total = 0;
  let at = 0;
  for (const s of segments) {
    total += s.seconds;
    const end = Math.round(total * TIMESCALE);
    const d = end - at;
    at = end;
    const last = out[out.length - 1];
    if (last?.d === d) last.r++;
    else out.push({ d, r: 0 });
  }
  return out.map((e, i) => `<S${i === 0 ? ' t="0"' : ''} d="${e.d}"${e.r > 0 ? ` r="${e.r}"` : ''}/>`);
}

const xmlAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** ISO 8601 duration with millisecond precision. */
const isoSeconds = (s: number) => `PT${s.toFixed(3)}S`;

/**
 * The MPD of the HLS source at `sourceKey` (a parent playlist, or a media playlist taken as its only
 * variant). Throws DashSourceError when the source cannot be presented this way.
 */
export function dashManifest(read: ReadText, sourceKey: string): string {
  const parentText = read(sourceKey);
  if (parentText === undefined) throw new DashSourceError(`${sourceKey} is missing`);
  const parent = lines(parentText, sourceKey);
  const found = variantsOf(parent);
  const variants: Variant[] = found.length > 0 ? found : [{ uri: posix.basename(sourceKey), attrs: {} }];
  const root = posix.dirname(sourceKey);
  let duration = 0;
  const reps = variants.map((v, i) => {
    const rel = sourceRelative('.', v.uri, sourceKey);
    const key = posix.join(root, rel);
    const text = key === sourceKey ? parentText : read(key);
    if (text === undefined) throw new DashSourceError(`variant playlist ${key} is missing`);
    const segments = segmentsOf(lines(text, key), posix.dirname(rel), key);
    const { media, startNumber } = numberTemplate(segments.map((s) => s.path));
    duration = Math.max(
      duration,
      segments.reduce((sum, s) => sum + s.seconds, 0),
    );
    const [width, height] = (v.attrs.RESOLUTION ?? '').split('x');
    const attrs = [
      `id="${i}"`,
      `bandwidth="${Number(v.attrs.BANDWIDTH) || 1}"`,
      ...(v.attrs.CODECS ? [`codecs="${xmlAttr(v.attrs.CODECS)}"`] : []),
      ...(width && height ? [`width="${Number(width)}"`, `height="${Number(height)}"`] : []),
    ];
    return [
      `      <Representation ${attrs.join(' ')}>`,
      `        <SegmentTemplate timescale="${TIMESCALE}" startNumber="${startNumber}" media="${xmlAttr(media)}">`,
      '          <SegmentTimeline>',
      ...timeline(segments).map((s) => `            ${s}`),
      '          </SegmentTimeline>',
      '        </SegmentTemplate>',
      '      </Representation>',
    ];
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:mp2t-main:2011"',
    `     type="static" minBufferTime="PT2S" mediaPresentationDuration="${isoSeconds(duration)}">`,
    '  <Period id="0" start="PT0S">',
    '    <AdaptationSet id="0" contentType="video" mimeType="video/mp2t" segmentAlignment="true">',
    ...reps.flat(),
    '    </AdaptationSet>',
    '  </Period>',
    '</MPD>',
    '',
  ].join('\n');
}
