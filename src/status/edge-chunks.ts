// What each camera last reported as cached on the edge (CachedVideoAgeOutOnEdge), kept in a small file
// per camera so the next start can retract the chunks whose video was deleted while the connector was
// stopped (retention ran at the last stop, an operator removed a file). Without it a restarted
// connector only knows what the store holds now, and the player would go on showing the deleted minutes
// as "on edge".
//
// The file holds the merged cached ranges, not the chunks: the chunks are cut from the ranges by a fixed
// rule (minute boundaries), so the same chunk starts come back, in a few bytes instead of thousands of
// points. It is rewritten only when the set of chunk starts changes (about once a minute while
// recording), never on the growth of the last chunk: a stale end only means the last chunk is written
// once more after a restart.
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import type { TimeRange } from '../time/index.js';

/** One camera's remembered cached ranges (what CameraStatus needs). */
export interface EdgeChunkMemory {
  /** The ranges reported before this start, oldest first; empty when nothing is known. */
  readonly remembered: readonly TimeRange[];
  /** Remember these ranges (asynchronous; the newest call wins). */
  save(ranges: readonly TimeRange[]): void;
}

/** Owner of the per-camera files under one folder; close() waits for the writes in flight. */
export class EdgeChunkFiles {
  readonly #dir: string;
  readonly #log: Logger | undefined;
  // One write chain per camera: writes never interleave, and a camera's newest ranges are written last.
  readonly #chains = new Map<string, Promise<void>>();
  // Latest ranges waiting for their write, per camera: a burst of saves makes one write, not many.
  readonly #pending = new Map<string, readonly TimeRange[]>();
  // What each camera saved last in this process: a camera rebuilt (hot reload) starts from it rather
  // than from a file whose write may still be queued. One entry per camera.
  readonly #latest = new Map<string, readonly TimeRange[]>();
  #warned = false;

  constructor(dir: string, log?: Logger) {
    this.#dir = dir;
    this.#log = log;
  }

  /** The memory of one camera; reads its file now (small, once per camera start). */
  for(assetId: string): EdgeChunkMemory {
    const known = this.#latest.get(assetId);
    if (known) return { remembered: known, save: (ranges) => this.#save(assetId, ranges) };
    const file = this.#file(assetId);
    let remembered: TimeRange[] = [];
    try {
      remembered = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A torn or edited file: start without memory (those chunks are then never retracted) and say so.
        this.#log?.warn(
          { err, file },
          'cannot read the remembered CachedVideoAgeOutOnEdge chunks; starting without them (the file is rewritten)',
        );
      }
    }
    return { remembered, save: (ranges) => this.#save(assetId, ranges) };
  }

  /** Waits for the writes in flight. */
  async close(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  #file(assetId: string): string {
    // Asset ids are UUIDs; anything else is made safe for a file name rather than trusted.
    return path.join(this.#dir, `${assetId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  }

  #save(assetId: string, ranges: readonly TimeRange[]): void {
    const waiting = this.#pending.has(assetId);
    const copy = ranges.map((r) => ({ startMs: r.startMs, endMs: r.endMs }));
    this.#latest.set(assetId, copy);
    this.#pending.set(assetId, copy);
    if (waiting) return; // the queued write will take the newest ranges
    const previous = this.#chains.get(assetId) ?? Promise.resolve();
    const next = previous.then(() => this.#write(assetId));
    this.#chains.set(assetId, next);
    void next.finally(() => {
      if (this.#chains.get(assetId) === next) this.#chains.delete(assetId);
    });
  }

  async #write(assetId: string): Promise<void> {
    const ranges = this.#pending.get(assetId);
    this.#pending.delete(assetId);
    if (!ranges) return;
    const file = this.#file(assetId);
    const temp = `${file}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      // Write-then-rename: a crash leaves either the old file or the new one, never half of one.
      await writeFile(temp, JSON.stringify(ranges.map((r) => [r.startMs, r.endMs])), { mode: 0o600 });
      await chmod(temp, 0o600);
      await rename(temp, file);
      this.#warned = false;
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      // Not fatal: the points still go to SiteWise; only a retraction after the next restart may be missed.
      if (!this.#warned) {
        this.#warned = true;
        this.#log?.warn(
          { err, file },
          'cannot remember the CachedVideoAgeOutOnEdge chunks; video deleted while stopped may stay shown as on edge (check the work folder: writable, space left)',
        );
      }
    }
  }
}

function parse(text: string): TimeRange[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('not a list of ranges');
  return data.map((pair) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !Number.isFinite(pair[0]) ||
      !Number.isFinite(pair[1]) ||
      (pair[1] as number) < (pair[0] as number)
    ) {
      throw new Error(`not a range: ${JSON.stringify(pair)}`);
    }
    return { startMs: pair[0] as number, endMs: pair[1] as number };
  });
}
