// Reads what the fMP4 remuxer needs from stored Matroska: the tracks of a header (codec, codec private
// data, picture size, audio format) and the frames of one cluster. Whole-buffer and synchronous: stored
// fragments are complete and bounded by the 50 MB fragment limit. Independent of src/mkv.

export interface MkvTrack {
  number: number;
  /** 1 video, 2 audio. */
  type: number;
  codecId: string;
  codecPrivate: Buffer | undefined;
  width: number;
  height: number;
  sampleRate: number;
  channels: number;
}

export interface MkvHeader {
  timecodeScaleNs: number;
  tracks: MkvTrack[];
}

export interface MkvFrame {
  track: number;
  /** Presentation time relative to the cluster start, in ms. */
  relMs: number;
  keyframe: boolean;
  data: Buffer;
}

/** Stored Matroska the remuxer cannot read (lacing, a missing codec configuration, broken EBML). */
export class RemuxError extends Error {
  override name = 'RemuxError';
}

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const VIDEO = 0xe0;
const AUDIO = 0xe1;
const CLUSTER = 0x1f43b675;
const BLOCK_GROUP = 0xa0;

interface Element {
  id: number;
  /** Payload start and end (end = buffer end for unknown sizes). */
  start: number;
  end: number;
}

function vintLen(b: number): number {
  for (let i = 0; i < 8; i++) if (b & (0x80 >> i)) return i + 1;
  throw new RemuxError('invalid EBML variable-length integer');
}

function* children(buf: Buffer, from: number, to: number): Generator<Element> {
  let at = from;
  while (at < to) {
    const idLen = vintLen(buf[at]!);
    if (idLen > 4 || at + idLen >= to) throw new RemuxError('truncated EBML element ID');
    const id = buf.readUIntBE(at, idLen);
    at += idLen;
    const sizeLen = vintLen(buf[at]!);
    let size = buf[at]! & (0xff >> sizeLen);
    let unknown = size === 0xff >> sizeLen;
    for (let i = 1; i < sizeLen; i++) {
      const b = buf[at + i]!;
      size = size * 256 + b;
      if (b !== 0xff) unknown = false;
    }
    at += sizeLen;
    const end = unknown ? to : at + size;
    if (end > to) throw new RemuxError(`EBML element 0x${id.toString(16)} overruns its parent`);
    yield { id, start: at, end };
    at = end;
  }
}

function uint(buf: Buffer, e: Element): number {
  let v = 0;
  for (let i = e.start; i < e.end; i++) v = v * 256 + buf[i]!;
  return v;
}

function float(buf: Buffer, e: Element): number {
  const len = e.end - e.start;
  if (len === 4) return buf.readFloatBE(e.start);
  if (len === 8) return buf.readDoubleBE(e.start);
  return 0;
}

/** Tracks and timecode scale of a stored header (EBML header + Segment start + Info + Tracks). */
export function readHeader(header: Buffer): MkvHeader {
  const out: MkvHeader = { timecodeScaleNs: 1_000_000, tracks: [] };
  for (const top of children(header, 0, header.length)) {
    if (top.id !== SEGMENT) continue;
    for (const l1 of children(header, top.start, top.end)) {
      if (l1.id === INFO) {
        for (const e of children(header, l1.start, l1.end))
          if (e.id === 0x2ad7b1) out.timecodeScaleNs = uint(header, e);
      } else if (l1.id === TRACKS) {
        for (const entry of children(header, l1.start, l1.end)) {
          if (entry.id === TRACK_ENTRY) out.tracks.push(readTrack(header, entry));
        }
      }
    }
  }
  if (out.tracks.length === 0) throw new RemuxError('the stored header declares no tracks');
  return out;
}

function readTrack(buf: Buffer, entry: Element): MkvTrack {
  const t: MkvTrack = {
    number: 0,
    type: 0,
    codecId: '',
    codecPrivate: undefined,
    width: 0,
    height: 0,
    sampleRate: 8000,
    channels: 1,
  };
  for (const e of children(buf, entry.start, entry.end)) {
    switch (e.id) {
      case 0xd7:
        t.number = uint(buf, e);
        break;
      case 0x83:
        t.type = uint(buf, e);
        break;
      case 0x86:
        t.codecId = buf.toString('ascii', e.start, e.end).replace(/\0+$/, '');
        break;
      case 0x63a2:
        t.codecPrivate = Buffer.from(buf.subarray(e.start, e.end));
        break;
      case VIDEO:
        for (const v of children(buf, e.start, e.end)) {
          if (v.id === 0xb0) t.width = uint(buf, v);
          if (v.id === 0xba) t.height = uint(buf, v);
        }
        break;
      case AUDIO:
        for (const a of children(buf, e.start, e.end)) {
          if (a.id === 0xb5) t.sampleRate = float(buf, a);
          if (a.id === 0x9f) t.channels = uint(buf, a);
        }
        break;
    }
  }
  return t;
}

/** Frames of one stored cluster, in stored (decode) order. */
export function readCluster(cluster: Buffer, timecodeScaleNs: number): MkvFrame[] {
  const frames: MkvFrame[] = [];
  const msPerTick = timecodeScaleNs / 1_000_000;
  for (const top of children(cluster, 0, cluster.length)) {
    if (top.id !== CLUSTER) continue;
    for (const e of children(cluster, top.start, top.end)) {
      if (e.id === 0xa3) frames.push(block(cluster, e, msPerTick, undefined));
      if (e.id === BLOCK_GROUP) {
        let blockEl: Element | undefined;
        let referenced = false;
        for (const g of children(cluster, e.start, e.end)) {
          if (g.id === 0xa1) blockEl = g;
          if (g.id === 0xfb) referenced = true;
        }
        if (blockEl) frames.push(block(cluster, blockEl, msPerTick, !referenced));
      }
    }
  }
  return frames;
}

function block(buf: Buffer, e: Element, msPerTick: number, keyframe: boolean | undefined): MkvFrame {
  const len = vintLen(buf[e.start]!);
  let track = buf[e.start]! & (0xff >> len);
  for (let i = 1; i < len; i++) track = track * 256 + buf[e.start + i]!;
  const rel = buf.readInt16BE(e.start + len);
  const flags = buf[e.start + len + 2]!;
  if ((flags & 0x06) !== 0)
    throw new RemuxError(`track ${track} uses Matroska lacing, which the remuxer does not read`);
  return {
    track,
    relMs: rel * msPerTick,
    keyframe: keyframe ?? (flags & 0x80) !== 0,
    data: buf.subarray(e.start + len + 3, e.end),
  };
}
