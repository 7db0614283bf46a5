// EBML variable-length integers: element IDs (1-4 bytes, marker bit kept) and sizes (1-8 bytes,
// marker bit removed; all value bits set means "unknown size").
import { MkvError } from './errors.js';

/** A decoded size vint. `value` is undefined for the reserved all-ones "unknown size". */
export interface Vint {
  value: number | undefined;
  length: number;
}

/** Width in bytes announced by a vint's first byte (1-8), or 0 when the byte is 0x00 (invalid). */
export function vintWidth(first: number): number {
  if (first === 0) return 0;
  return Math.clz32(first) - 23;
}

/**
 * Reads a size vint at `pos`. Returns undefined when `buf` ends before the vint does (wait for more
 * bytes); throws INVALID_VINT for a 0x00 first byte.
 */
export function readSize(buf: Buffer, pos: number, streamOffset = 0): Vint | undefined {
  if (pos >= buf.length) return undefined;
  const first = buf[pos]!;
  const width = vintWidth(first);
  if (width === 0)
    throw new MkvError('INVALID_VINT', 'invalid EBML size (first byte 0x00)', streamOffset + pos);
  if (pos + width > buf.length) return undefined;
  let value = first & (0xff >> width);
  let allOnes = value === 0xff >> width;
  for (let i = 1; i < width; i++) {
    const b = buf[pos + i]!;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (allOnes) return { value: undefined, length: width };
  if (value > Number.MAX_SAFE_INTEGER) {
    throw new MkvError('ELEMENT_TOO_LARGE', `EBML size ${value} is beyond 2^53`, streamOffset + pos);
  }
  return { value, length: width };
}

/**
 * Reads an element ID at `pos` (marker bits kept, as the spec writes IDs). Undefined when more bytes
 * are needed; INVALID_ID when the first byte announces more than 4 bytes (or is 0x00).
 */
export function readId(
  buf: Buffer,
  pos: number,
  streamOffset = 0,
): { id: number; length: number } | undefined {
  if (pos >= buf.length) return undefined;
  const first = buf[pos]!;
  const width = vintWidth(first);
  if (width === 0 || width > 4) {
    throw new MkvError(
      'INVALID_ID',
      `invalid EBML element ID (first byte 0x${first.toString(16).padStart(2, '0')})`,
      streamOffset + pos,
    );
  }
  if (pos + width > buf.length) return undefined;
  let id = first;
  for (let i = 1; i < width; i++) id = id * 256 + buf[pos + i]!;
  return { id, length: width };
}

/** Bytes of an element ID (1-4, from its magnitude; IDs carry their own marker bit). */
export function encodeId(id: number): Buffer {
  const length = id < 0x100 ? 1 : id < 0x10000 ? 2 : id < 0x1000000 ? 3 : 4;
  const out = Buffer.allocUnsafe(length);
  out.writeUIntBE(id, 0, length);
  return out;
}

/** Smallest width (1-8) that can hold `value` as a size vint without hitting the all-ones pattern. */
export function sizeWidth(value: number): number {
  for (let w = 1; w < 8; w++) if (value < 2 ** (7 * w) - 1) return w;
  return 8;
}

/** Encodes a size vint; `width` forces a wider encoding (e.g. 8 bytes to patch a size in later). */
export function encodeSize(value: number, width = sizeWidth(value)): Buffer {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (7 * width) - 1) {
    throw new RangeError(`size ${value} does not fit an EBML vint of ${width} bytes`);
  }
  const out = Buffer.allocUnsafe(width);
  writeSize(out, 0, value, width);
  return out;
}

/** Writes a size vint of exactly `width` bytes into `out` at `pos`; returns the position after it. */
export function writeSize(out: Buffer, pos: number, value: number, width: number): number {
  let v = value;
  for (let i = width - 1; i >= 1; i--) {
    out[pos + i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[pos] = v | (0x80 >> (width - 1));
  return pos + width;
}

/** The 8-byte "unknown size" vint (01 FF FF FF FF FF FF FF), as KVS expects for Segment and Cluster. */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
