// The outbox's file: an append-only journal of JSON lines, compacted into a fresh file (temp, fsync,
// rename, fsync of the folder) at open and whenever it grows well past what it holds. A crash can at
// worst tear the last line, which replay skips.
import { openSync, closeSync, fsyncSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
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

  readonly #dir: string;
  #dirReady = false;
  #torn = false;

  // Nothing touches the disk here: a full or read-only disk must not stop the component from starting.
  constructor(dir: string, name = 'sitewise-outbox.jsonl') {
    this.#dir = dir;
    this.#file = path.join(dir, name);
  }

  // State is owner-only (0700 folder, 0600 file) even inside a RecordingsPath that is wider.
  async #ensureDir(): Promise<void> {
    if (this.#dirReady) return;
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    if (((await stat(this.#dir)).mode & 0o777) !== DIR_MODE) await chmod(this.#dir, DIR_MODE);
    this.#dirReady = true;
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
      await this.#ensureDir();
      const temp = `${this.#file}.tmp`;
      const handle = await open(temp, 'w', FILE_MODE);
      try {
        await handle.writeFile(entries.map((e) => `${JSON.stringify(putLine(e))}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#file);
      syncDir(path.dirname(this.#file));
      this.#lines = entries.length;
      this.#handle = await open(this.#file, 'a', FILE_MODE);
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
      if (!this.#handle) {
        await this.#ensureDir();
        this.#handle = await open(this.#file, 'a', FILE_MODE);
        // A file an older version created 0644 is narrowed too.
        await this.#handle.chmod(FILE_MODE);
      }
      // After a failed append the file may end in a torn line: start on a fresh one so the torn
      // bytes spoil only themselves (replay skips them).
      const text = (this.#torn ? '\n' : '') + lines.map((l) => `${JSON.stringify(l)}\n`).join('');
      this.#torn = true;
      await this.#handle.appendFile(text);
      await this.#handle.datasync();
      this.#torn = false;
      this.#lines += lines.length;
    });
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

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
