// Cheap index of a Matroska file: header plus one entry per cluster, read with positioned reads that
// jump over block payloads (only element headers and the 4-byte block headers are read).
import { open, type FileHandle } from 'node:fs/promises';
import type { StreamHeader } from './fragment.js';
import { MkvError } from './errors.js';
import {
  makeHeader,
  MUXING_APP,
  parseInfo,
  parseTracks,
  type SourceInfo,
  type SourceTrack,
} from './header.js';
import { elementLevel, ID } from './ids.js';
import { readBlockGroup } from './block.js';
import { readId, readSize, vintWidth } from './vint.js';
import { readUint } from './writer.js';

/** One cluster of a scanned file; times in epoch ms (see scanFile). */
export interface ScannedFragment {
  startMs: number;
  endMs: number;
  /** Byte offset of the cluster in the file. */
  offset: number;
  length: number;
}

/** What scanFile found; `validLength` is where a repair should truncate (end of the last complete cluster). */
export interface ScanResult {
  header: StreamHeader | undefined;
  fragments: ScannedFragment[];
  validLength: number;
  /** Offset of the first cluster (= header.bytes.length for our own files). */
  headerLength: number;
  /** True when the file is one of ours (absolute epoch-ms timecodes). */
  ownFormat: boolean;
  /** The source's Info (TimecodeScale, DateUTC, ...), when present. */
  info?: SourceInfo;
  /** The source's tracks with their raw entries. */
  tracks: SourceTrack[];
}

/** Scan options. */
export interface ScanOptions {
  /** Start at this cluster offset (e.g. the previous validLength) instead of the first cluster. */
  fromOffset?: number;
  /** Epoch ms added to timecodes of files that are not ours (zero-based recordings). Default 0. */
  baseEpochMs?: number;
  /** Generation for the returned header. Default 0. */
  generation?: number;
  /** Stop after this many clusters (a cheap look at the head of a file). */
  maxClusters?: number;
}

// A read window: big enough that small frames cost no extra read, small enough that large frames
// (keyframes of 100+ kB) are jumped over rather than read.
const WINDOW = 64 * 1024;

class PositionalReader {
  #buf = Buffer.alloc(0);
  #at = 0;
  constructor(
    readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Up to `length` bytes at `pos` (fewer at EOF), from the window when possible. */
  async bytes(pos: number, length: number): Promise<Buffer> {
    const end = Math.min(pos + length, this.size);
    if (pos >= this.#at && end <= this.#at + this.#buf.length) {
      return this.#buf.subarray(pos - this.#at, end - this.#at);
    }
    const want = Math.min(Math.max(length, WINDOW), this.size - pos);
    const buf = Buffer.allocUnsafe(Math.max(want, 0));
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
    this.#buf = buf.subarray(0, bytesRead);
    this.#at = pos;
    return this.#buf.subarray(0, Math.min(end - pos, bytesRead));
  }

  /** Element header at `pos`, or undefined when the file ends inside it or the bytes are not EBML. */
  async header(
    pos: number,
  ): Promise<{ id: number; headerLength: number; size: number | undefined } | undefined> {
    const b = await this.bytes(pos, 12);
    try {
      const idv = readId(b, 0, pos);
      const sv = idv && readSize(b, idv.length, pos);
      if (idv === undefined || sv === undefined) return undefined;
      return { id: idv.id, headerLength: idv.length + sv.length, size: sv.value };
    } catch (e) {
      if (e instanceof MkvError) return undefined;
      throw e;
    }
  }
}

/**
 * Indexes a file without reading block payloads. Works for our own segment files (times are the
 * absolute cluster timecodes) and, per cluster, for other Matroska (times = baseEpochMs + timecode).
 * Never throws on a cut or garbage tail: the result just ends at the last complete cluster.
 */
export async function scanFile(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    return await scan(new PositionalReader(fh, size), options);
  } finally {
    await fh.close();
  }
}

async function scan(r: PositionalReader, options: ScanOptions): Promise<ScanResult> {
  const empty: ScanResult = {
    header: undefined,
    fragments: [],
    validLength: 0,
    headerLength: 0,
    ownFormat: false,
    tracks: [],
  };
  const ebml = await r.header(0);
  if (ebml === undefined || ebml.id !== ID.EBML || ebml.size === undefined) return empty;
  let pos = ebml.headerLength + ebml.size;
  const seg = await r.header(pos);
  if (seg === undefined || seg.id !== ID.Segment) return empty;
  const segmentEnd = seg.size === undefined ? r.size : Math.min(r.size, pos + seg.headerLength + seg.size);
  pos += seg.headerLength;
  let info: SourceInfo | undefined;
  let tracks: SourceTrack[] = [];
  // Level-1 elements up to the first cluster.
  for (;;) {
    const h = await r.header(pos);
    if (h === undefined || h.size === undefined || h.id === ID.Cluster) break;
    const end = pos + h.headerLength + h.size;
    if (end > segmentEnd) return empty; // cut inside the header: nothing to keep
    if (h.id === ID.Info || h.id === ID.Tracks) {
      const data = Buffer.from(await r.bytes(pos + h.headerLength, h.size));
      if (h.id === ID.Info) info = parseInfo(data);
      else tracks = parseTracks(data);
    }
    pos = end;
  }
  const headerLength = pos;
  const ownFormat = info?.muxingApp === MUXING_APP && info.timecodeScaleNs === 1_000_000;
  const header =
    info === undefined ? undefined : makeHeader(options.generation ?? 0, info.segmentUid, tracks);
  const scale = (info?.timecodeScaleNs ?? 1e6) / 1e6;
  const base = ownFormat ? 0 : (options.baseEpochMs ?? 0);
  const frameMs = new Map<number, number>();
  const fixed = new Set<number>();
  for (const t of tracks)
    if (t.info.defaultDurationNs) {
      frameMs.set(t.info.number, t.info.defaultDurationNs / 1e6);
      fixed.add(t.info.number);
    }

  const fragments: ScannedFragment[] = [];
  let validLength = headerLength;
  pos = Math.max(options.fromOffset ?? headerLength, headerLength);
  if (pos > headerLength) validLength = pos;
  while (pos < segmentEnd && fragments.length < (options.maxClusters ?? Infinity)) {
    const c = await r.header(pos);
    if (c === undefined) break;
    if (c.id !== ID.Cluster) {
      // Tags, Cues, Void between or after clusters: step over when sized, stop otherwise.
      if (c.size === undefined || pos + c.headerLength + c.size > segmentEnd) break;
      pos += c.headerLength + c.size;
      validLength = pos;
      continue;
    }
    const cluster = await scanCluster(r, pos, c.headerLength, c.size, segmentEnd, scale, frameMs, fixed);
    if (cluster === undefined) break;
    fragments.push({
      startMs: base + cluster.startMs,
      endMs: base + cluster.endMs,
      offset: pos,
      length: cluster.end - pos,
    });
    pos = cluster.end;
    validLength = pos;
  }
  // A fragment ends no later than where the next begins (keeps index ranges disjoint).
  for (let i = 0; i + 1 < fragments.length; i++) {
    fragments[i]!.endMs = Math.min(fragments[i]!.endMs, fragments[i + 1]!.startMs);
  }
  return { header, fragments, validLength, headerLength, ownFormat, tracks, ...(info ? { info } : {}) };
}

async function scanCluster(
  r: PositionalReader,
  start: number,
  headerLength: number,
  size: number | undefined,
  segmentEnd: number,
  scale: number,
  frameMs: Map<number, number>,
  fixed: ReadonlySet<number>,
): Promise<{ startMs: number; endMs: number; end: number } | undefined> {
  const limit = size === undefined ? segmentEnd : start + headerLength + size;
  if (limit > segmentEnd) return undefined;
  let pos = start + headerLength;
  let timecode: number | undefined;
  let first: number | undefined;
  let endMs = 0;
  const last = new Map<number, number>();
  while (pos < limit) {
    const h = await r.header(pos);
    if (h === undefined) {
      // A partial 4-byte ID at the end starts a top-level element: the unknown-size cluster is done.
      const first = (await r.bytes(pos, 1))[0];
      if (size === undefined && first !== undefined && vintWidth(first) === 4) break;
      return undefined;
    }
    const level = elementLevel(h.id);
    if (size === undefined && level !== undefined && level <= 1) break;
    if (h.size === undefined || pos + h.headerLength + h.size > limit) return undefined;
    const dataAt = pos + h.headerLength;
    if (h.id === ID.Timecode) {
      timecode = readUint(await r.bytes(dataAt, h.size));
    } else if ((h.id === ID.SimpleBlock || h.id === ID.BlockGroup) && timecode !== undefined) {
      const block = await blockTime(r, h.id, dataAt, h.size);
      if (block === undefined) return undefined;
      const t = (timecode + block.relative) * scale;
      first ??= t;
      const prev = last.get(block.track);
      if (prev !== undefined && t > prev && !fixed.has(block.track)) frameMs.set(block.track, t - prev);
      last.set(block.track, t);
      const d =
        block.durationTicks !== undefined ? block.durationTicks * scale : (frameMs.get(block.track) ?? 0);
      endMs = Math.max(endMs, t + d);
    }
    pos = dataAt + h.size;
  }
  if (timecode === undefined) return undefined;
  const startMs = Math.round(first ?? timecode * scale);
  return { startMs, endMs: Math.round(Math.max(endMs, startMs)), end: pos };
}

async function blockTime(
  r: PositionalReader,
  id: number,
  at: number,
  size: number,
): Promise<{ track: number; relative: number; durationTicks?: number } | undefined> {
  try {
    if (id === ID.SimpleBlock) {
      const b = await r.bytes(at, Math.min(size, 12));
      const tv = readSize(b, 0, at);
      if (tv?.value === undefined || b.length < tv.length + 2) return undefined;
      return { track: tv.value, relative: b.readInt16BE(tv.length) };
    }
    // BlockGroups are small next to their frame; read whole (rare: only foreign files have them).
    const g = readBlockGroup(Buffer.from(await r.bytes(at, size)), at);
    if (g === undefined) return undefined;
    return {
      track: g.track,
      relative: g.relative,
      ...(g.durationTicks === undefined ? {} : { durationTicks: g.durationTicks }),
    };
  } catch (e) {
    if (e instanceof MkvError) return undefined;
    throw e;
  }
}
