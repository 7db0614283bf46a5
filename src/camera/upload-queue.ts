// The camera's upload jobs: every range of this camera that has to reach KVS from the recording,
// whether a user asked for it (historical) or live turned on inside a window that began earlier
// (backfill). One bounded queue, so nothing else holds jobs of this camera; ranges that overlap or
// touch merge into one job, so a user who asks for the same hour three times gets one upload (the
// reference uploaded it three times, blocking).
import { joins, type TimeRange } from '../time/index.js';

/** Why a range is uploaded; a merge of both is historical (a user is waiting for it). */
export type UploadOrigin = 'historical' | 'backfill';

/** One upload job of the camera. */
export interface UploadJob extends TimeRange {
  origin: UploadOrigin;
}

export class UploadQueue {
  readonly #jobs: UploadJob[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#jobs.length;
  }

  /** Adds a job, merging it with every queued job it overlaps or touches; false when full. */
  add(job: UploadJob): boolean {
    let merged = { ...job };
    const rest: UploadJob[] = [];
    for (const queued of this.#jobs) {
      if (joins(queued, merged)) {
        merged = {
          startMs: Math.min(queued.startMs, merged.startMs),
          endMs: Math.max(queued.endMs, merged.endMs),
          origin:
            queued.origin === 'historical' || merged.origin === 'historical' ? 'historical' : 'backfill',
        };
      } else {
        rest.push(queued);
      }
    }
    if (rest.length >= this.#capacity) return false;
    rest.push(merged);
    rest.sort((a, b) => a.startMs - b.startMs);
    this.#jobs.splice(0, this.#jobs.length, ...rest);
    return true;
  }

  shift(): UploadJob | undefined {
    return this.#jobs.shift();
  }

  /** Drops every queued job (the camera stopped); returns how many there were. */
  clear(): number {
    return this.#jobs.splice(0).length;
  }
}
