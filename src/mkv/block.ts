// Blocks: parsing SimpleBlock/BlockGroup payloads into references (no payload copy) and writing a
// KVS-ready cluster: unknown size, 8-byte absolute Timecode, SimpleBlocks with int16 relative times.
import { MkvError } from './errors.js';
import { ID } from './ids.js';
import { children } from './reader.js';
import { readSize, UNKNOWN_SIZE, sizeWidth, writeSize } from './vint.js';
import { readUint } from './writer.js';

/** One frame (or laced frames) on its way into a fragment; `payload` still points into the input. */
export interface BlockRef {
  track: number;
  /** Source time in timecode ticks (cluster timecode + relative block timecode). */
  ticks: number;
  /** Absolute time, epoch ms. */
  timeMs: number;
  keyframe: boolean;
  /** SimpleBlock flags to write: keyframe 0x80, invisible 0x08, lacing 0x06, discardable 0x01. */
  flags: number;
  /** The track-number vint exactly as the source wrote it. */
  trackBytes: Buffer;
  /** Frame data after the block header (lace headers included when laced). */
  payload: Buffer;
  /** Frame duration in ms when the source said so (BlockGroup BlockDuration). */
  durationMs?: number;
}

/** A block's header fields and payload as read from the source (before retiming). */
export interface ParsedBlock extends BlockHeader {
  keyframe: boolean;
}

interface BlockHeader {
  track: number;
  trackBytes: Buffer;
  relative: number;
  flags: number;
  payload: Buffer;
}

function parseBlockHeader(data: Buffer, offset: number): BlockHeader {
  const tv = readSize(data, 0, offset);
  if (tv === undefined || tv.value === undefined || data.length < tv.length + 3) {
    throw new MkvError('INVALID_BLOCK', 'block shorter than its header', offset);
  }
  return {
    track: tv.value,
    trackBytes: data.subarray(0, tv.length),
    relative: data.readInt16BE(tv.length),
    flags: data[tv.length + 2]!,
    payload: data.subarray(tv.length + 3),
  };
}

/** Block header fields of a SimpleBlock payload. */
export function readSimpleBlock(data: Buffer, offset = 0): ParsedBlock {
  const h = parseBlockHeader(data, offset);
  return { ...h, keyframe: (h.flags & 0x80) !== 0 };
}

/**
 * A BlockGroup payload as SimpleBlock fields: keyframe means "no ReferenceBlock" (how Matroska marks
 * a BlockGroup keyframe), duration in ticks from BlockDuration when present.
 */
export function readBlockGroup(
  data: Buffer,
  offset = 0,
): (ParsedBlock & { durationTicks?: number }) | undefined {
  let block: Buffer | undefined;
  let referenced = false;
  let durationTicks: number | undefined;
  for (const c of children(data, offset)) {
    if (c.id === ID.Block) block = c.data;
    else if (c.id === ID.ReferenceBlock) referenced = true;
    else if (c.id === ID.BlockDuration) durationTicks = readUint(c.data);
  }
  if (block === undefined) return undefined;
  const h = parseBlockHeader(block, offset);
  const keyframe = !referenced;
  // Block flags have no keyframe bit (0x80 is reserved there); keep invisible + lacing.
  const flags = (h.flags & 0x0e) | (keyframe ? 0x80 : 0);
  return { ...h, flags, keyframe, ...(durationTicks === undefined ? {} : { durationTicks }) };
}

const CLUSTER_PREFIX = Buffer.concat([
  Buffer.from([0x1f, 0x43, 0xb6, 0x75]),
  UNKNOWN_SIZE,
  Buffer.from([0xe7, 0x88]),
]);

/** Largest relative block timecode a SimpleBlock can carry (signed 16 bit, 1 ms units here). */
export const MAX_RELATIVE_MS = 32767;

/**
 * One cluster: unknown size, Timecode `startMs` as 8 bytes, then the blocks in the given order with
 * times relative to `startMs`. One allocation, one copy of each payload.
 */
export function buildCluster(startMs: number, blocks: readonly BlockRef[]): Buffer {
  let total = CLUSTER_PREFIX.length + 8;
  for (const b of blocks) {
    const body = b.trackBytes.length + 3 + b.payload.length;
    total += 1 + sizeWidth(body) + body;
  }
  const out = Buffer.allocUnsafe(total);
  CLUSTER_PREFIX.copy(out, 0);
  let p = CLUSTER_PREFIX.length;
  out.writeBigUInt64BE(BigInt(startMs), p);
  p += 8;
  for (const b of blocks) {
    const rel = b.timeMs - startMs;
    if (rel < -32768 || rel > MAX_RELATIVE_MS) {
      throw new RangeError(`block at ${b.timeMs} is ${rel} ms from its cluster start; int16 cannot hold it`);
    }
    const body = b.trackBytes.length + 3 + b.payload.length;
    out[p++] = ID.SimpleBlock;
    p = writeSize(out, p, body, sizeWidth(body));
    p += b.trackBytes.copy(out, p);
    p = out.writeInt16BE(rel, p);
    out[p++] = b.flags;
    p += b.payload.copy(out, p);
  }
  return out;
}
