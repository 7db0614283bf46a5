// A tiny Matroska writer for PutMedia tests: exact control over every element, so each KVS rule can be
// broken on purpose. Independent of src/mkv and of the stand-in's walker.

function idBytes(id: number): Buffer {
  const len = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const b = Buffer.alloc(len);
  b.writeUIntBE(id, 0, len);
  return b;
}

function sizeBytes(size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(size) | (1n << 56n));
  return b;
}

const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function el(id: number, ...children: Buffer[]): Buffer {
  const payload = Buffer.concat(children);
  return Buffer.concat([idBytes(id), sizeBytes(payload.length), payload]);
}

export function uint(id: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return el(id, b);
}

export function str(id: number, value: string): Buffer {
  return el(id, Buffer.from(value, 'utf8'));
}

export function unknownSize(id: number, ...children: Buffer[]): Buffer {
  return Buffer.concat([idBytes(id), UNKNOWN_SIZE, ...children]);
}

export interface TrackSpec {
  number: number;
  codecId?: string;
  type?: number;
}

export const VIDEO: TrackSpec = { number: 1, codecId: 'V_MPEG4/ISO/AVC', type: 1 };
export const AUDIO: TrackSpec = { number: 2, codecId: 'A_AAC', type: 2 };

/** EBML header + Segment (unknown size) + Info + Tracks. */
export function header(tracks: TrackSpec[] = [VIDEO], timecodeScaleNs = 1_000_000): Buffer {
  return Buffer.concat([
    el(
      0x1a45dfa3,
      uint(0x4286, 1),
      uint(0x42f7, 1),
      uint(0x42f2, 4),
      uint(0x42f3, 8),
      str(0x4282, 'matroska'),
      uint(0x4287, 2),
      uint(0x4285, 2),
    ),
    unknownSize(0x18538067),
    el(0x1549a966, uint(0x2ad7b1, timecodeScaleNs), str(0x4d80, 'test'), str(0x5741, 'test')),
    el(
      0x1654ae6b,
      ...tracks.map((t) =>
        el(
          0xae,
          uint(0xd7, t.number),
          uint(0x73c5, t.number),
          uint(0x83, t.type ?? 1),
          str(0x86, t.codecId ?? 'V_MPEG4/ISO/AVC'),
        ),
      ),
    ),
  ]);
}

export interface BlockSpec {
  track: number;
  /** Relative to the cluster timecode. */
  at: number;
  key?: boolean;
  size?: number;
}

export function simpleBlock(b: BlockSpec): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x80 | b.track;
  head.writeInt16BE(b.at, 1);
  head[3] = b.key ? 0x80 : 0;
  return el(0xa3, head, Buffer.alloc(b.size ?? 16, 0x42));
}

/** A Cluster of unknown size. */
export function cluster(timecode: number, blocks: BlockSpec[]): Buffer {
  return unknownSize(0x1f43b675, uint(0xe7, timecode), ...blocks.map(simpleBlock));
}

/** Video frames every `stepMs` over `durationMs`, first one a keyframe; plus audio when asked. */
export function gop(timecode: number, durationMs = 1000, stepMs = 100, tracks: number[] = [1]): Buffer {
  const blocks: BlockSpec[] = [];
  for (let at = 0; at < durationMs; at += stepMs) {
    for (const track of tracks) blocks.push({ track, at, key: at === 0 && track === 1 });
  }
  return cluster(timecode, blocks);
}

export function tags(values: Record<string, string>): Buffer {
  return el(
    0x1254c367,
    el(0x7373, ...Object.entries(values).map(([k, v]) => el(0x67c8, str(0x45a3, k), str(0x4487, v)))),
  );
}
