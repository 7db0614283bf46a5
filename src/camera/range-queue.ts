// A bounded queue of time ranges in which overlapping or touching ranges merge, so a user who asks
// for the same hour three times gets one upload (the reference uploaded it three times, blocking).

import { joins, type TimeRange } from '../time/index.js';

export class RangeQueue {
  readonly #ranges: TimeRange[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Adds a range, merging it with every queued range it overlaps or touches; false when full. */
  add(range: TimeRange): boolean {
    let merged = { ...range };
    const rest: TimeRange[] = [];
    for (const r of this.#ranges) {
      if (joins(r, merged)) {
        merged = { startMs: Math.min(r.startMs, merged.startMs), endMs: Math.max(r.endMs, merged.endMs) };
      } else {
        rest.push(r);
      }
    }
    if (rest.length >= this.#capacity) return false;
    rest.push(merged);
    rest.sort((a, b) => a.startMs - b.startMs);
    this.#ranges.splice(0, this.#ranges.length, ...rest);
    return true;
  }

  shift(): TimeRange | undefined {
    return this.#ranges.shift();
  }
}
