// Streaming EBML reader: bytes in (any chunking), element events out, synchronously.
//
// Three kinds of element: masters the caller descends into (Segment, Cluster: children arrive as their
// own events, sizes may be unknown), elements skipped without buffering (Void, Cues, Tags: their bytes
// are counted off as they pass), and everything else delivered whole as a zero-copy subarray of the
// chunk it arrived in. Only an element that straddles chunks is copied (once, when complete), so the
// reader never holds more than one element plus the chunk it is in.
import { MkvError } from './errors.js';
import { elementLevel } from './ids.js';
import { readId, readSize, vintWidth } from './vint.js';

/** One thing the reader found. Offsets are absolute byte positions in the stream. */
export type EbmlEvent =
  | { kind: 'start'; id: number; offset: number; headerLength: number; size: number | undefined }
  | { kind: 'element'; id: number; offset: number; headerLength: number; data: Buffer }
  | { kind: 'skipped'; id: number; offset: number; headerLength: number; size: number }
  | { kind: 'end'; id: number; offset: number; complete: boolean };

/** Which IDs to descend into or skip, and the bound on a whole element. */
export interface EbmlReaderOptions {
  masters: ReadonlySet<number>;
  skip?: ReadonlySet<number>;
  /** Largest element delivered whole; larger is ELEMENT_TOO_LARGE. Default 64 MiB (KVS caps fragments at 50 MB). */
  maxElementBytes?: number;
  onEvent: (event: EbmlEvent) => void;
}

interface Open {
  id: number;
  level: number | undefined;
  end: number | undefined;
}

/** Push-driven EBML tokenizer; see the file comment. */
export class EbmlStreamReader {
  readonly #masters: ReadonlySet<number>;
  readonly #skip: ReadonlySet<number>;
  readonly #max: number;
  readonly #onEvent: (event: EbmlEvent) => void;
  readonly #stack: Open[] = [];
  // Bytes received but not yet parsed: at most one partial element (plus the chunk that completes it).
  #pending: Buffer[] = [];
  #pendingLength = 0;
  // Bytes needed in #pending before parsing can make progress again.
  #need = 0;
  // Absolute offset of the first pending byte.
  #offset = 0;
  #skipRemaining = 0;

  constructor(options: EbmlReaderOptions) {
    this.#masters = options.masters;
    this.#skip = options.skip ?? new Set();
    this.#max = options.maxElementBytes ?? 64 * 1024 * 1024;
    this.#onEvent = options.onEvent;
  }

  /** Absolute offset of the first byte not yet turned into an event. */
  get position(): number {
    return this.#offset + this.#skipRemaining;
  }

  /** Bytes held back as an incomplete element. */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  push(chunk: Buffer): void {
    while (chunk.length > 0) {
      if (this.#skipRemaining > 0) {
        const n = Math.min(this.#skipRemaining, chunk.length);
        this.#skipRemaining -= n;
        this.#offset += n;
        chunk = chunk.subarray(n);
        continue;
      }
      if (this.#pendingLength === 0) {
        this.#parse(chunk);
        return;
      }
      // Complete the held element with just the bytes it lacks, so only that element is copied and
      // the rest of the chunk is parsed in place.
      const want = this.#need - this.#pendingLength;
      if (chunk.length < want) {
        this.#pending.push(chunk);
        this.#pendingLength += chunk.length;
        return;
      }
      const head = Buffer.concat([...this.#pending, chunk.subarray(0, want)]);
      chunk = chunk.subarray(want);
      this.#pending = [];
      this.#pendingLength = 0;
      this.#parse(head);
    }
  }

  /**
   * End of input: closes open masters (an unknown-size master legitimately ends at EOF) and reports
   * how many bytes of an incomplete element were left over (0 = the input ended on an element boundary).
   */
  end(): { truncatedBytes: number } {
    const truncatedBytes = this.#pendingLength + this.#skipRemaining;
    const at = this.#offset;
    // Leftover bytes that begin a 4-byte ID begin a top-level element (Matroska gives only level-0/1
    // elements 4-byte IDs), so an unknown-size cluster before them was complete.
    const first = this.#skipRemaining === 0 ? this.#pending[0]?.[0] : undefined;
    const topLevelNext = first !== undefined && vintWidth(first) === 4;
    while (this.#stack.length > 0) {
      const top = this.#stack.pop()!;
      const unknownDone =
        top.end === undefined && (truncatedBytes === 0 || (topLevelNext && (top.level ?? 0) >= 1));
      const complete = unknownDone || (truncatedBytes === 0 && top.end === at);
      this.#onEvent({ kind: 'end', id: top.id, offset: at, complete });
    }
    this.#pending = [];
    this.#pendingLength = 0;
    this.#need = 0;
    return { truncatedBytes };
  }

  #parse(buf: Buffer): void {
    let p = 0;
    const base = this.#offset;
    const stack = this.#stack;
    for (;;) {
      const abs = base + p;
      // Known-size masters end by position.
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.end === undefined || abs < top.end) break;
        stack.pop();
        this.#onEvent({ kind: 'end', id: top.id, offset: top.end, complete: true });
      }
      if (p >= buf.length) break;
      const idv = readId(buf, p, base);
      if (idv === undefined) {
        this.#hold(buf, p, buf.length - p + 1);
        return;
      }
      const sv = readSize(buf, p + idv.length, base);
      if (sv === undefined) {
        this.#hold(buf, p, buf.length - p + 1);
        return;
      }
      const id = idv.id;
      const headerLength = idv.length + sv.length;
      const size = sv.value;
      // Unknown-size masters end where an element that cannot be their child begins.
      const level = elementLevel(id);
      if (level !== undefined) {
        while (stack.length > 0) {
          const top = stack[stack.length - 1]!;
          if (top.end !== undefined || top.level === undefined || level > top.level) break;
          stack.pop();
          this.#onEvent({ kind: 'end', id: top.id, offset: abs, complete: true });
        }
      }
      if (this.#masters.has(id)) {
        stack.push({ id, level, end: size === undefined ? undefined : abs + headerLength + size });
        this.#onEvent({ kind: 'start', id, offset: abs, headerLength, size });
        p += headerLength;
        continue;
      }
      if (size === undefined) {
        throw new MkvError('UNKNOWN_SIZE_NOT_ALLOWED', `element 0x${id.toString(16)} has unknown size`, abs);
      }
      if (this.#skip.has(id)) {
        this.#onEvent({ kind: 'skipped', id, offset: abs, headerLength, size });
        const available = buf.length - p - headerLength;
        if (available < size) {
          this.#skipRemaining = size - available;
          this.#offset = base + buf.length;
          this.#need = 0;
          return;
        }
        p += headerLength + size;
        continue;
      }
      if (size > this.#max) {
        throw new MkvError(
          'ELEMENT_TOO_LARGE',
          `element 0x${id.toString(16)} of ${size} bytes exceeds the ${this.#max}-byte limit`,
          abs,
        );
      }
      const total = headerLength + size;
      if (p + total > buf.length) {
        this.#hold(buf, p, total);
        return;
      }
      this.#onEvent({
        kind: 'element',
        id,
        offset: abs,
        headerLength,
        data: buf.subarray(p + headerLength, p + total),
      });
      p += total;
    }
    this.#offset = base + buf.length;
    this.#need = 0;
  }

  #hold(buf: Buffer, p: number, need: number): void {
    const rest = buf.subarray(p);
    this.#offset += p;
    this.#pending = [rest];
    this.#pendingLength = rest.length;
    this.#need = need;
  }
}

/** Iterates the child elements of a whole master payload (Info, Tracks, BlockGroup): id + payload. */
export function* children(payload: Buffer, offset = 0): Generator<{ id: number; data: Buffer }> {
  let p = 0;
  while (p < payload.length) {
    const idv = readId(payload, p, offset);
    const sv = idv && readSize(payload, p + idv.length, offset);
    if (idv === undefined || sv === undefined || sv.value === undefined) {
      throw new MkvError('INVALID_BLOCK', 'truncated or unknown-size child element', offset + p);
    }
    const start = p + idv.length + sv.length;
    const end = start + sv.value;
    if (end > payload.length)
      throw new MkvError('INVALID_BLOCK', 'child element overruns its parent', offset + p);
    yield { id: idv.id, data: payload.subarray(start, end) };
    p = end;
  }
}
