// Fragments from files: our own segment files (header + KVS-ready clusters, returned byte for byte)
// and Matroska from other muxers (re-fragmented by the Fragmenter onto an epoch time base).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Fragment, StreamHeader } from './fragment.js';
import { MkvError } from './errors.js';
import { Fragmenter } from './fragmenter.js';
import { ID } from './ids.js';
import { EbmlStreamReader, type EbmlEvent } from './reader.js';
import { readSimpleBlock } from './block.js';
import { makeHeader } from './header.js';
import { scanFile } from './scan.js';
import { encodeId, encodeSize, UNKNOWN_SIZE } from './vint.js';
import { readUint } from './writer.js';

/** Options for reading a recording. */
export interface ReadFileOptions {
  /**
   * Epoch ms of the file's first cluster, for files whose timecodes are not absolute (e.g. the AWS
   * component's `video_<epochMs>.mkv`, written with offset-to-zero). Default: the file's DateUTC.
   * Ignored for files with absolute epoch-ms timecodes (ours, or cluster-timestamp-offset ones).
   */
  baseEpochMs?: number;
  /** Header generation numbers; default a counter private to this call (1, 2, ...). */
  nextGeneration?: () => number;
  /** Read from this byte offset (a cluster start from scanFile) instead of the first cluster. */
  fromOffset?: number;
  /** Fragmenter settings used for files that are not ours. */
  minFragmentMs?: number;
  maxFragmentMs?: number;
  hardLimitMs?: number;
}

// Cluster timecodes at or above this many ms are taken to be epoch ms (2001-09-09); running time
// never gets there.
const ABSOLUTE_THRESHOLD_MS = 1e12;
// Read size: large enough for few syscalls, small enough to bound memory with one cluster held.
const READ_CHUNK = 1024 * 1024;

/**
 * Fragments of a recording, in file order. A truncated or garbage tail ends the iteration at the last
 * complete cluster (ours) or last complete block (other muxers); it never throws for that.
 * Throws NOT_MATROSKA when the file does not start as Matroska and NO_TIME_BASE when a relative-time
 * file comes without baseEpochMs or DateUTC.
 */
export async function* readFragmentsFromFile(
  path: string,
  options: ReadFileOptions = {},
): AsyncGenerator<Fragment> {
  let counter = 0;
  const nextGeneration = options.nextGeneration ?? (() => ++counter);
  const head = await scanFile(path, { maxClusters: 1 });
  if (head.info === undefined) {
    if (await startsLikeMatroska(path)) return; // cut inside the header: nothing complete to read
    throw new MkvError('NOT_MATROSKA', `${path} does not start with a Matroska EBML header`);
  }
  if (head.ownFormat) {
    yield* readOwn(
      path,
      head.headerLength,
      options.fromOffset,
      makeHeader(nextGeneration(), head.info.segmentUid, head.tracks),
    );
    return;
  }
  const firstMs = head.fragments[0]?.startMs;
  if (firstMs === undefined) return;
  let epochBaseMs: number;
  if (firstMs >= ABSOLUTE_THRESHOLD_MS) epochBaseMs = 0;
  else {
    const base = options.baseEpochMs ?? head.info.dateUtcMs;
    if (base === undefined) {
      throw new MkvError('NO_TIME_BASE', `${path} has relative timecodes and no DateUTC; pass baseEpochMs`);
    }
    epochBaseMs = base - firstMs;
  }
  yield* readForeign(path, epochBaseMs, nextGeneration, options);
}

async function* readForeign(
  path: string,
  epochBaseMs: number,
  nextGeneration: () => number,
  options: ReadFileOptions,
): AsyncGenerator<Fragment> {
  const out: Fragment[] = [];
  const fragmenter = new Fragmenter({
    epochBaseMs,
    nextGeneration,
    onFragment: (f) => out.push(f),
    ...(options.minFragmentMs === undefined ? {} : { minFragmentMs: options.minFragmentMs }),
    ...(options.maxFragmentMs === undefined ? {} : { maxFragmentMs: options.maxFragmentMs }),
    ...(options.hardLimitMs === undefined ? {} : { hardLimitMs: options.hardLimitMs }),
  });
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  try {
    for await (const chunk of stream) {
      try {
        fragmenter.push(chunk as Buffer);
      } catch (e) {
        if (!(e instanceof MkvError)) throw e;
        break; // garbage tail: keep what came before
      }
      yield* out.splice(0);
    }
  } finally {
    stream.destroy();
  }
  fragmenter.end();
  yield* out.splice(0);
}

interface OwnCluster {
  offset: number;
  parts: Buffer[];
  startMs: number;
  endMs: number;
}

async function* readOwn(
  path: string,
  headerLength: number,
  fromOffset: number | undefined,
  header: StreamHeader,
): AsyncGenerator<Fragment> {
  const start = Math.max(fromOffset ?? headerLength, headerLength);
  const ready: OwnCluster[] = [];
  let cluster: OwnCluster | undefined;
  let timecode = 0;
  const frameMs = new Map<number, number>();
  const fixed = new Set<number>();
  for (const t of header.tracks) {
    if (t.defaultDurationNs) {
      frameMs.set(t.number, t.defaultDurationNs / 1e6);
      fixed.add(t.number);
    }
  }
  const last = new Map<number, number>();
  const onEvent = (e: EbmlEvent): void => {
    if (e.kind === 'start' && e.id === ID.Cluster) {
      const size = e.size === undefined ? UNKNOWN_SIZE : encodeSize(e.size, e.headerLength - 4);
      cluster = { offset: start + e.offset, parts: [encodeId(ID.Cluster), size], startMs: 0, endMs: 0 };
    } else if (e.kind === 'end' && e.id === ID.Cluster) {
      if (cluster !== undefined && e.complete) ready.push(cluster);
      cluster = undefined;
    } else if (e.kind === 'element' && cluster !== undefined) {
      // The element's own header precedes its data in the same buffer.
      const raw = Buffer.from(
        e.data.buffer,
        e.data.byteOffset - e.headerLength,
        e.headerLength + e.data.length,
      );
      cluster.parts.push(raw);
      if (e.id === ID.Timecode) {
        timecode = readUint(e.data);
        cluster.startMs = cluster.endMs = timecode;
      } else if (e.id === ID.SimpleBlock) {
        const b = readSimpleBlock(e.data, e.offset);
        const t = timecode + b.relative;
        const prev = last.get(b.track);
        if (prev !== undefined && t > prev && !fixed.has(b.track)) frameMs.set(b.track, t - prev);
        last.set(b.track, t);
        cluster.endMs = Math.max(cluster.endMs, t + (frameMs.get(b.track) ?? 0));
      }
    }
  };
  // Our files hold one Segment with clusters at level 1; reading from a cluster offset we are already
  // inside the Segment, so clusters are the only masters to enter.
  const reader = new EbmlStreamReader({
    masters: new Set([ID.Cluster]),
    skip: new Set([ID.Void, ID.Tags, ID.Cues]),
    onEvent,
  });
  let pending: OwnCluster | undefined;
  const toFragment = (c: OwnCluster, nextStart: number | undefined): Fragment => ({
    startMs: c.startMs,
    endMs: Math.round(nextStart === undefined ? c.endMs : Math.min(c.endMs, nextStart)),
    keyframe: true,
    bytes: Buffer.concat(c.parts),
    header,
    offset: c.offset,
  });
  const stream = createReadStream(path, { start, highWaterMark: READ_CHUNK });
  let failed = false;
  try {
    for await (const chunk of stream) {
      try {
        reader.push(chunk as Buffer);
      } catch (e) {
        if (!(e instanceof MkvError)) throw e;
        failed = true; // garbage: clusters that ended before it still count
      }
      for (const c of ready.splice(0)) {
        if (pending !== undefined) yield toFragment(pending, c.startMs);
        pending = c;
      }
      if (failed) break;
    }
  } finally {
    stream.destroy();
  }
  if (!failed) {
    reader.end();
    for (const c of ready.splice(0)) {
      if (pending !== undefined) yield toFragment(pending, c.startMs);
      pending = c;
    }
  }
  if (pending !== undefined) yield toFragment(pending, undefined);
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

async function startsLikeMatroska(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return EBML_MAGIC.subarray(0, bytesRead).equals(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A file's bytes: the header followed by the fragments' clusters (the fragments must share it). */
export function serializeFragments(header: StreamHeader, fragments: readonly Fragment[]): Buffer {
  return Buffer.concat([header.bytes, ...fragments.map((f) => f.bytes)]);
}
