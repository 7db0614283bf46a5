// Test material for mkv: real captures come from the test kit's encodeClip; here a small EBML builder
// for what no muxer here writes on demand (BlockGroups, odd vint widths, audio overlap, silent tracks).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  children,
  element,
  encodeId,
  encodeSize,
  floatElement,
  ID,
  stringElement,
  uintElement,
  UNKNOWN_SIZE,
  Fragmenter,
  type Fragment,
  type FragmenterOptions,
  type FragmenterWarning,
} from '../../src/mkv/index.js';

const run = promisify(execFile);

/** Runs gst-launch-1.0 with these arguments (a pipeline whose own sink is under test). */
export async function gst(args: string[]): Promise<void> {
  await run('gst-launch-1.0', ['-q', ...args], { timeout: 60_000 });
}

/** Pushes `data` in chunks of `size` bytes (1 = a chunk boundary at every byte offset). */
export function chunked(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** One block as the fragments carry it: track, absolute ms, keyframe flag. */
export interface BlockInfo {
  track: number;
  timeMs: number;
  keyframe: boolean;
  flags: number;
  size: number;
}

/** Decodes the SimpleBlocks of one of our fragments (independent of the fragmenter's writer). */
export function blocksOf(f: Fragment): BlockInfo[] {
  const top = [...children(f.bytes.subarray(12))];
  const tc = top.find((c) => c.id === ID.Timecode)!.data.readBigUInt64BE(0);
  return top
    .filter((c) => c.id === ID.SimpleBlock)
    .map((c) => ({
      track: c.data[0]! & 0x7f,
      timeMs: Number(tc) + c.data.readInt16BE(1),
      keyframe: (c.data[3]! & 0x80) !== 0,
      flags: c.data[3]!,
      size: c.data.length - 4,
    }));
}

// ---- synthetic Matroska ----------------------------------------------------------------------

export interface TrackSpec {
  number: number;
  type: 'video' | 'audio';
  codecId?: string;
  defaultDurationNs?: number;
  width?: number;
}

export function ebmlHeader(): Buffer {
  return element(ID.EBML, [stringElement(ID.DocType, 'matroska'), uintElement(ID.DocTypeVersion, 4)]);
}

export function segmentStart(): Buffer {
  return Buffer.concat([encodeId(ID.Segment), UNKNOWN_SIZE]);
}

export function info(timecodeScaleNs = 1_000_000): Buffer {
  return element(ID.Info, [
    element(ID.SegmentUID, Buffer.alloc(16, 7)),
    uintElement(ID.TimecodeScale, timecodeScaleNs),
    stringElement(ID.MuxingApp, 'test'),
  ]);
}

export function tracks(specs: TrackSpec[]): Buffer {
  return element(
    ID.Tracks,
    specs.map((s) =>
      element(ID.TrackEntry, [
        uintElement(ID.TrackNumber, s.number),
        uintElement(ID.TrackUID, s.number * 1000),
        uintElement(ID.TrackType, s.type === 'video' ? 1 : 2),
        stringElement(ID.CodecID, s.codecId ?? (s.type === 'video' ? 'V_MPEG4/ISO/AVC' : 'A_AAC')),
        ...(s.defaultDurationNs ? [uintElement(ID.DefaultDuration, s.defaultDurationNs)] : []),
        s.type === 'video'
          ? element(ID.Video, [uintElement(ID.PixelWidth, s.width ?? 320), uintElement(ID.PixelHeight, 240)])
          : element(ID.Audio, [floatElement(ID.SamplingFrequency, 48000), uintElement(ID.Channels, 1)]),
      ]),
    ),
  );
}

function blockBody(track: number, rel: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(3);
  h.writeInt16BE(rel, 0);
  h[2] = flags;
  return Buffer.concat([encodeSize(track), h, payload]);
}

export function simpleBlock(
  track: number,
  rel: number,
  keyframe: boolean,
  payload = Buffer.alloc(10, track),
): Buffer {
  return element(ID.SimpleBlock, blockBody(track, rel, keyframe ? 0x80 : 0, payload));
}

export function blockGroup(
  track: number,
  rel: number,
  keyframe: boolean,
  payload = Buffer.alloc(10, track),
  durationTicks?: number,
): Buffer {
  return element(ID.BlockGroup, [
    element(ID.Block, blockBody(track, rel, 0, payload)),
    ...(durationTicks === undefined ? [] : [uintElement(ID.BlockDuration, durationTicks)]),
    ...(keyframe ? [] : [element(ID.ReferenceBlock, Buffer.from([0xff, 0xdf]))]),
  ]);
}

/** A cluster; unknown size by default, as matroskamux streamable=true writes it. */
export function cluster(timecode: number, blocks: Buffer[], knownSize = false): Buffer {
  const body = Buffer.concat([uintElement(ID.Timecode, timecode), ...blocks]);
  return Buffer.concat([encodeId(ID.Cluster), knownSize ? encodeSize(body.length) : UNKNOWN_SIZE, body]);
}

/** A synthetic stream: header for `specs` then the given clusters. */
export function stream(specs: TrackSpec[], clusters: Buffer[]): Buffer {
  return Buffer.concat([ebmlHeader(), segmentStart(), info(), tracks(specs), ...clusters]);
}

/** Runs a Fragmenter over `chunks`; returns what it emitted. */
export function fragmentAll(
  chunks: Buffer[],
  options: Partial<Omit<FragmenterOptions, 'onFragment' | 'onWarning'>> = {},
): { fragments: Fragment[]; warnings: FragmenterWarning[]; stats: Fragmenter['stats'] } {
  const fragments: Fragment[] = [];
  const warnings: FragmenterWarning[] = [];
  let g = 0;
  const f = new Fragmenter({
    epochBaseMs: 1_700_000_000_000,
    nextGeneration: () => ++g,
    ...options,
    onFragment: (x) => fragments.push(x),
    onWarning: (w) => warnings.push(w),
  });
  for (const c of chunks) f.push(c);
  f.end();
  return { fragments, warnings, stats: f.stats };
}
