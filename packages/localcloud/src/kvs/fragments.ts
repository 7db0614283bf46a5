// Accepted fragments per stream, with producer and server timestamps, the way tests read them back:
// list a producer- or server-time range, or export a range as one playable .mkv (header of the first
// fragment + the clusters, which is how KVS itself rebuilds a stream on the read side).
import { appendFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedFragment } from './contract.js';

/** One stored fragment as tests see it. */
export interface StoredFragment {
  /** ~47 decimal digits, increasing per stream, like KVS fragment numbers; keep as a string. */
  fragmentNumber: string;
  streamName: string;
  /** Epoch ms of the cluster (ABSOLUTE timecode, or producer start + timecode for RELATIVE). */
  producerTimestampMs: number;
  /** Epoch ms when the stand-in received the whole fragment. */
  serverTimestampMs: number;
  /** Cluster Timecode as sent. */
  timecode: number;
  durationMs: number;
  frameCount: number;
  sizeBytes: number;
  keyframe: boolean;
  tags: Record<string, string>;
  /** Which PutMedia connection delivered it (1-based per service run). */
  sessionId: number;
}

/** Range selector for listFragments/exportMkv. Both bounds inclusive, on the fragment start. */
export interface FragmentRange {
  startMs?: number;
  endMs?: number;
  timestamp?: 'producer' | 'server';
}

interface Entry {
  meta: StoredFragment;
  header: Buffer;
  cluster: Buffer;
}

// Fragment numbers: a fixed 27-digit prefix + a 20-digit sequence, so they sort as strings and numbers.
const NUMBER_PREFIX = '913438523331814323877303020';

/** The requested range does not hold fragments that can be played as one file. */
export class FragmentExportError extends Error {
  readonly code = 'FRAGMENT_EXPORT';
  override name = 'FragmentExportError';
}

export class FragmentStore {
  readonly #streams = new Map<string, Entry[]>();
  readonly #dir: string | undefined;
  #sequence = 0;

  constructor(stateDir?: string) {
    this.#dir = stateDir === undefined ? undefined : path.join(stateDir, 'kvs', 'fragments');
    if (this.#dir) this.#load(this.#dir);
  }

  /** Reserves the next fragment number (BUFFERING already names it; failed fragments leave gaps, as on KVS). */
  nextNumber(): string {
    this.#sequence++;
    return NUMBER_PREFIX + String(this.#sequence).padStart(20, '0');
  }

  add(
    streamName: string,
    fragmentNumber: string,
    parsed: ParsedFragment,
    sessionId: number,
    serverTimestampMs: number,
  ): StoredFragment {
    const meta: StoredFragment = {
      fragmentNumber,
      streamName,
      producerTimestampMs: parsed.producerTimestampMs,
      serverTimestampMs,
      timecode: parsed.timecode,
      durationMs: parsed.durationMs,
      frameCount: parsed.frameCount,
      sizeBytes: parsed.bytes.length,
      keyframe: parsed.keyframe,
      tags: parsed.tags,
      sessionId,
    };
    const entries = this.#streams.get(streamName) ?? [];
    entries.push({ meta, header: parsed.header, cluster: parsed.bytes });
    this.#streams.set(streamName, entries);
    if (this.#dir) this.#persist(this.#dir, meta, parsed);
    return meta;
  }

  /** The stored bytes of one fragment: the header it was sent with and its Cluster. */
  media(
    streamName: string,
    fragmentNumber: string,
  ): { meta: StoredFragment; header: Buffer; cluster: Buffer } | undefined {
    const e = this.#streams.get(streamName)?.find((x) => x.meta.fragmentNumber === fragmentNumber);
    return e === undefined ? undefined : { meta: e.meta, header: e.header, cluster: e.cluster };
  }

  list(streamName: string, range: FragmentRange = {}): StoredFragment[] {
    return this.#select(streamName, range).map((e) => e.meta);
  }

  /** Writes header + clusters of the range to `file`; throws when the range is empty or mixes headers. */
  async exportMkv(streamName: string, file: string, range: FragmentRange = {}): Promise<StoredFragment[]> {
    const entries = this.#select(streamName, range);
    const first = entries[0];
    if (!first) throw new FragmentExportError(`stream ${streamName} has no fragments in the requested range`);
    const odd = entries.find((e) => !e.header.equals(first.header) && !sameTracks(e.header, first.header));
    if (odd) {
      throw new FragmentExportError(
        `fragment ${odd.meta.fragmentNumber} was sent with a different MKV header; export a narrower range`,
      );
    }
    await writeFile(file, Buffer.concat([first.header, ...entries.map((e) => e.cluster)]));
    return entries.map((e) => e.meta);
  }

  #select(streamName: string, range: FragmentRange): Entry[] {
    const key = range.timestamp === 'server' ? 'serverTimestampMs' : 'producerTimestampMs';
    const lo = range.startMs ?? -Infinity;
    const hi = range.endMs ?? Infinity;
    return (this.#streams.get(streamName) ?? [])
      .filter((e) => e.meta[key] >= lo && e.meta[key] <= hi)
      .sort(
        (a, b) => a.meta[key] - b.meta[key] || a.meta.fragmentNumber.localeCompare(b.meta.fragmentNumber),
      );
  }

  #persist(dir: string, meta: StoredFragment, parsed: ParsedFragment): void {
    const streamDir = path.join(dir, encodeURIComponent(meta.streamName));
    mkdirSync(streamDir, { recursive: true });
    writeFileSync(
      path.join(streamDir, `${meta.fragmentNumber}.mkv`),
      Buffer.concat([parsed.header, parsed.bytes]),
    );
    appendFileSync(
      path.join(streamDir, 'index.jsonl'),
      JSON.stringify({ ...meta, headerBytes: parsed.header.length }) + '\n',
    );
  }

  #load(dir: string): void {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const streamDir = path.join(dir, name);
      const index = path.join(streamDir, 'index.jsonl');
      if (!existsSync(index)) continue;
      const entries: Entry[] = [];
      for (const line of readFileSync(index, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const { headerBytes, ...meta } = JSON.parse(line) as StoredFragment & { headerBytes: number };
        const file = readFileSync(path.join(streamDir, `${meta.fragmentNumber}.mkv`));
        entries.push({ meta, header: file.subarray(0, headerBytes), cluster: file.subarray(headerBytes) });
        this.#sequence = Math.max(this.#sequence, Number(meta.fragmentNumber.slice(NUMBER_PREFIX.length)));
      }
      this.#streams.set(decodeURIComponent(name), entries);
    }
  }
}

// Headers of two sessions differ in SegmentUID/DateUTC even for the same camera; what matters for
// playback is the Tracks element, which starts at the Tracks ID.
function sameTracks(a: Buffer, b: Buffer): boolean {
  const tracksId = Buffer.from([0x16, 0x54, 0xae, 0x6b]);
  const ia = a.indexOf(tracksId);
  const ib = b.indexOf(tracksId);
  return ia >= 0 && ib >= 0 && a.subarray(ia).equals(b.subarray(ib));
}
