// Small EBML writer: whole elements from typed values. Used to build stream headers and, in tests,
// hand-made Matroska (BlockGroups, odd vint widths) that no muxer on this machine writes on demand.
import { encodeId, encodeSize, UNKNOWN_SIZE } from './vint.js';

/** An element with the given payload (or concatenated children). */
export function element(id: number, payload: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(payload) ? Buffer.concat(payload) : payload;
  return Buffer.concat([encodeId(id), encodeSize(body.length), body]);
}

/** Header of a master element whose size is unknown (children follow, no end marker). */
export function unknownSizeStart(id: number): Buffer {
  return Buffer.concat([encodeId(id), UNKNOWN_SIZE]);
}

/** Unsigned integer element in the fewest bytes, or exactly `width` bytes when given. */
export function uintElement(id: number, value: number, width?: number): Buffer {
  let w = width ?? 1;
  if (width === undefined) while (w < 8 && value >= 2 ** (8 * w)) w++;
  const body = Buffer.alloc(w);
  let v = value;
  for (let i = w - 1; i >= 0; i--) {
    body[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return element(id, body);
}

/** 8-byte IEEE float element. */
export function floatElement(id: number, value: number): Buffer {
  const body = Buffer.allocUnsafe(8);
  body.writeDoubleBE(value, 0);
  return element(id, body);
}

/** UTF-8 string element. */
export function stringElement(id: number, value: string): Buffer {
  return element(id, Buffer.from(value, 'utf8'));
}

/** Reads an unsigned integer payload (0-8 bytes). */
export function readUint(payload: Buffer): number {
  let v = 0;
  for (const b of payload) v = v * 256 + b;
  return v;
}

/** Reads a float payload (4 or 8 bytes; empty = 0). */
export function readFloat(payload: Buffer): number {
  if (payload.length === 4) return payload.readFloatBE(0);
  if (payload.length === 8) return payload.readDoubleBE(0);
  return 0;
}

/** Reads a signed integer payload (DateUTC is ns since 2001-01-01 as int64). */
export function readInt(payload: Buffer): number {
  if (payload.length === 0) return 0;
  if (payload.length === 8) return Number(payload.readBigInt64BE(0));
  return payload.readIntBE(0, Math.min(payload.length, 6));
}
