// The outbox's file: an append-only journal of JSON lines, compacted into a fresh file (temp, fsync,
// rename, fsync of the folder) at open and whenever it grows well past what it holds. A crash can at
// worst tear the last line, which replay skips.
import { mkdirSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** A range point waiting in the outbox. */
export interface JournalEntry {
  seq: number;
  assetId: string;
  propertyId: string;
  startMs: number;
  endMs: number;
}

type Line = { put: [number, string, string, number, number] } | { done: number[] };

/** What replay found. */
export interface Replay {
  entries: JournalEntry[];
  nextSeq: number;
  /** Lines that could not be parsed (a torn tail after a crash). */
  skipped: number;
}

/** Entry key: one SiteWise point (a later value for the same point supersedes an earlier one). */
export function pointKey(e: Pick<JournalEntry, 'assetId' | 'propertyId' | 'startMs'>): string {
  return `${e.assetId}\u0000${e.propertyId}\u0000${e.startMs}`;
}

/** The journal file of one outbox. */
export class Journal {
  readonly #file: string;
  #handle: FileHandle | undefined;
  #chain: Promise<void> = Promise.resolve();
  #lines = 0;

  constructor(dir: string, name = 'sitewise-outbox.jsonl') {
    mkdirSync(dir, { recursive: true });
    this.#file = path.join(dir, name);
  }

  get file(): string {
    return this.#file;
  }

  /** Lines written since the last compaction. */
  get lines(): number {
    return this.#lines;
  }

  /** Read what the file holds; a later put for the same point replaces an earlier one. */
  async replay(): Promise<Replay> {
    let text = '';
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const bySeq = new Map<number, JournalEntry>();
    const byKey = new Map<string, number>();
    let nextSeq = 1;
    let skipped = 0;
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        skipped++;
        continue;
      }
      if ('put' in line && Array.isArray(line.put)) {
        const [seq, assetId, propertyId, startMs, endMs] = line.put;
        const entry = { seq, assetId, propertyId, startMs, endMs };
        const key = pointKey(entry);
        const older = byKey.get(key);
        if (older !== undefined) bySeq.delete(older);
        bySeq.set(seq, entry);
        byKey.set(key, seq);
        nextSeq = Math.max(nextSeq, seq + 1);
      } else if ('done' in line && Array.isArray(line.done)) {
        for (const seq of line.done) bySeq.delete(seq);
      } else skipped++;
    }
    return { entries: [...bySeq.values()].sort((a, b) => a.seq - b.seq), nextSeq, skipped };
  }

  /** Replace the file with one holding exactly `entries`, atomically. */
  compact(entries: readonly JournalEntry[]): Promise<void> {
    return this.#enqueue(async () => {
      await this.#handle?.close();
      this.#handle = undefined;
      const temp = `${this.#file}.tmp`;
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(entries.map((e) => `${JSON.stringify(putLine(e))}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#file);
      syncDir(path.dirname(this.#file));
      this.#lines = entries.length;
      this.#handle = await open(this.#file, 'a');
    });
  }

  /** Append new entries durably. */
  put(entries: readonly JournalEntry[]): Promise<void> {
    return this.#append(entries.map((e) => putLine(e)));
  }

  /** Record entries as sent (or dropped) durably. */
  done(seqs: readonly number[]): Promise<void> {
    return seqs.length === 0 ? this.#chain : this.#append([{ done: [...seqs] }]);
  }

  async close(): Promise<void> {
    await this.#enqueue(async () => {
      await this.#handle?.close();
      this.#handle = undefined;
    });
  }

  #append(lines: Line[]): Promise<void> {
    return this.#enqueue(async () => {
      this.#handle ??= await open(this.#file, 'a');
      await this.#handle.appendFile(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      await this.#handle.datasync();
      this.#lines += lines.length;
    });
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}

function putLine(e: JournalEntry): Line {
  return { put: [e.seq, e.assetId, e.propertyId, e.startMs, e.endMs] };
}

// A rename is durable only once the folder entry is; not every platform lets us fsync a folder.
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort (e.g. not permitted on this file system).
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
