// A minimal push-mode EBML walker for the PutMedia stand-in. Deliberately independent of src/mkv: the
// stand-in exists to check what our own fragmenter writes, so it must not share its parser.
//
// Bytes arrive in arbitrary HTTP chunks. The walker keeps only the bytes of the element header or small
// leaf value it is currently reading; payloads it does not care about are skipped by counting, so memory
// stays bounded whatever the fragment size. Unknown-size masters (Segment and Cluster, as PutMedia
// bodies use them) end when an element that cannot be their child begins, or at the end of the body.

/** Element IDs the stand-in cares about (with their marker bits, as written on the wire). */
export const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
  Tags: 0x1254c367,
  Tag: 0x7373,
  SimpleTag: 0x67c8,
  TagName: 0x45a3,
  TagString: 0x4487,
} as const;

const LEVEL1 = new Set<number>([
  ID.SeekHead,
  ID.Info,
  ID.Tracks,
  ID.Cluster,
  ID.Cues,
  ID.Chapters,
  ID.Attachments,
  ID.Tags,
]);
const MASTERS = new Set<number>([
  ID.EBML,
  ID.Segment,
  ID.Info,
  ID.Tracks,
  ID.TrackEntry,
  ID.Cluster,
  ID.BlockGroup,
  ID.Tags,
  ID.Tag,
  ID.SimpleTag,
]);
const LEAVES = new Set<number>([
  ID.TimecodeScale,
  ID.TrackNumber,
  ID.TrackType,
  ID.CodecID,
  ID.Timecode,
  ID.TagName,
  ID.TagString,
]);
const BLOCKS = new Set<number>([ID.SimpleBlock, ID.Block]);

// Leaf values we read are numbers, codec ids and tag strings; anything larger is not a valid stream.
const MAX_LEAF_BYTES = 64 * 1024;
// Track number vint (<= 8 bytes) + int16 timecode + flags byte.
const BLOCK_HEADER_BYTES = 11;

/** What the walker reports, in stream order; offsets are absolute byte positions in the body. */
export type EbmlEvent =
  | { kind: 'start'; id: number; offset: number; parent: number | undefined }
  | { kind: 'end'; id: number; offset: number }
  | { kind: 'value'; id: number; parent: number | undefined; data: Buffer }
  | { kind: 'block'; offset: number; track: number; timecode: number; keyframe: boolean };

/** The body is not well-formed EBML/Matroska. */
export class EbmlError extends Error {
  readonly code = 'INVALID_EBML';
  override name = 'EbmlError';
}

interface Open {
  id: number;
  /** Absolute end offset, or undefined for unknown size. */
  end: number | undefined;
}

function vintLength(first: number): number {
  for (let len = 1; len <= 8; len++) if (first & (0x80 >> (len - 1))) return len;
  return 0;
}

/** Reads an element ID (marker kept) at `at`; undefined when more bytes are needed. */
function readId(buf: Buffer, at: number): { id: number; len: number } | undefined {
  if (at >= buf.length) return undefined;
  const len = vintLength(buf[at]!);
  if (len === 0 || len > 4) throw new EbmlError(`invalid element ID byte 0x${buf[at]!.toString(16)}`);
  if (at + len > buf.length) return undefined;
  return { id: buf.readUIntBE(at, len), len };
}

/** Reads a size vint at `at`; size undefined = unknown (all value bits set). */
function readSize(buf: Buffer, at: number): { size: number | undefined; len: number } | undefined {
  if (at >= buf.length) return undefined;
  const len = vintLength(buf[at]!);
  if (len === 0) throw new EbmlError('invalid element size (no length marker)');
  if (at + len > buf.length) return undefined;
  let value = BigInt(buf[at]! & (0xff >> len));
  let allOnes = value === BigInt(0xff >> len);
  for (let i = 1; i < len; i++) {
    const b = buf[at + i]!;
    value = (value << 8n) | BigInt(b);
    if (b !== 0xff) allOnes = false;
  }
  if (allOnes) return { size: undefined, len };
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new EbmlError('element size too large');
  return { size: Number(value), len };
}

/** Unsigned big-endian integer of up to 8 bytes (Matroska uints); exact below 2^53. */
export function readUint(data: Buffer): number {
  let v = 0;
  for (const b of data) v = v * 256 + b;
  return v;
}

export class EbmlWalker {
  #buf: Buffer = Buffer.alloc(0);
  /** Absolute offset of #buf[0]. */
  #pos = 0;
  #stack: Open[] = [];
  #skip = 0;
  #leaf: { id: number; size: number; offset: number; parent: number | undefined; block: boolean } | undefined;

  /** Bytes consumed so far (the absolute offset of the next unread byte). */
  get offset(): number {
    return this.#pos;
  }

  push(chunk: Buffer): EbmlEvent[] {
    const events: EbmlEvent[] = [];
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buf.length);
        this.#advance(n);
        this.#skip -= n;
        if (this.#skip > 0) break;
        continue;
      }
      this.#closeKnown(events);
      if (this.#leaf) {
        const leaf = this.#leaf;
        const want = leaf.block ? Math.min(leaf.size, BLOCK_HEADER_BYTES) : leaf.size;
        if (this.#buf.length < want) break;
        const data = Buffer.from(this.#buf.subarray(0, want));
        this.#advance(want);
        this.#skip = leaf.size - want;
        this.#leaf = undefined;
        if (leaf.block) events.push(parseBlockHeader(data, leaf.offset));
        else events.push({ kind: 'value', id: leaf.id, parent: leaf.parent, data });
        continue;
      }
      const id = readId(this.#buf, 0);
      if (!id) break;
      const size = readSize(this.#buf, id.len);
      if (!size) break;
      this.#element(id.id, size.size, id.len + size.len, events);
    }
    return events;
  }

  /** The body ended: closes every open element; throws when the body stopped inside one. */
  end(): EbmlEvent[] {
    if (this.#skip > 0 || this.#leaf || this.#buf.length > 0) {
      throw new EbmlError(`body ended inside an element at byte ${this.#pos}`);
    }
    const events: EbmlEvent[] = [];
    this.#closeKnown(events);
    while (this.#stack.length > 0) {
      const open = this.#stack.pop()!;
      if (open.end !== undefined && open.end !== this.#pos) {
        throw new EbmlError(`body ended inside element 0x${open.id.toString(16)} at byte ${this.#pos}`);
      }
      events.push({ kind: 'end', id: open.id, offset: this.#pos });
    }
    return events;
  }

  #advance(n: number): void {
    this.#buf = this.#buf.subarray(n);
    this.#pos += n;
  }

  #closeKnown(events: EbmlEvent[]): void {
    for (
      let top = this.#stack.at(-1);
      top?.end !== undefined && top.end <= this.#pos;
      top = this.#stack.at(-1)
    ) {
      this.#stack.pop();
      events.push({ kind: 'end', id: top.id, offset: this.#pos });
    }
  }

  #element(id: number, size: number | undefined, headerLen: number, events: EbmlEvent[]): void {
    const offset = this.#pos;
    // An unknown-size parent ends where an element that cannot be its child starts.
    for (
      let top = this.#stack.at(-1);
      top && top.end === undefined && !canContain(top.id, id);
      top = this.#stack.at(-1)
    ) {
      this.#stack.pop();
      events.push({ kind: 'end', id: top.id, offset });
    }
    const parent = this.#stack.at(-1);
    if (parent?.end !== undefined && size !== undefined && offset + headerLen + size > parent.end) {
      throw new EbmlError(`element 0x${id.toString(16)} at byte ${offset} overruns its parent`);
    }
    if (parent === undefined && id !== ID.EBML && id !== ID.Segment) {
      throw new EbmlError(`element 0x${id.toString(16)} at byte ${offset} is outside any Segment`);
    }
    this.#advance(headerLen);
    if (MASTERS.has(id)) {
      if (size === undefined && id !== ID.Segment && id !== ID.Cluster) {
        throw new EbmlError(`element 0x${id.toString(16)} at byte ${offset} has an unknown size`);
      }
      this.#stack.push({ id, end: size === undefined ? undefined : this.#pos + size });
      events.push({ kind: 'start', id, offset, parent: parent?.id });
      return;
    }
    if (size === undefined) throw new EbmlError(`leaf element 0x${id.toString(16)} has an unknown size`);
    const block = BLOCKS.has(id);
    if (block || LEAVES.has(id)) {
      if (!block && size > MAX_LEAF_BYTES) throw new EbmlError(`element 0x${id.toString(16)} is too large`);
      this.#leaf = { id, size, offset, parent: parent?.id, block };
      return;
    }
    this.#skip = size;
  }
}

function canContain(parent: number, child: number): boolean {
  if (child === ID.EBML || child === ID.Segment) return false;
  if (parent === ID.Segment) return true;
  // Cluster (the other unknown-size master): anything but a level-1 element.
  return !LEVEL1.has(child);
}

function parseBlockHeader(data: Buffer, offset: number): EbmlEvent {
  const len = data.length > 0 ? vintLength(data[0]!) : 0;
  if (len === 0 || len > 8 || data.length < len + 3) throw new EbmlError(`truncated block at byte ${offset}`);
  const track = readUint(Buffer.from([data[0]! & (0xff >> len), ...data.subarray(1, len)]));
  return {
    kind: 'block',
    offset,
    track,
    timecode: data.readInt16BE(len),
    keyframe: (data[len + 2]! & 0x80) !== 0,
  };
}
