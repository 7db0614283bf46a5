// Real fragments for store tests: a short H.264 capture from the test kit's encoder (1 s GOPs)
// run through the mkv Fragmenter, plus a hand-driven clock for retention.
import type { StoreClock } from '../../src/store/index.js';
import { encodeClip } from '../helpers/media.js';

/** matroskamux (streamable) bytes of `seconds` of 160x120 15 fps H.264 with a keyframe every second. */
export function capture(seconds: number, bitrateKbps = 256): Promise<Buffer> {
  // Snow does not compress: the bitrate asked for is the bitrate written.
  return encodeClip({ seconds, bitrateKbps, pattern: bitrateKbps > 256 ? 'snow' : 'ball' });
}

export { fragmentsOf } from '../helpers/media.js';

/** A clock whose time and interval callbacks the test drives. */
export class ManualClock implements StoreClock {
  time: number;
  readonly #timers = new Map<number, () => void>();
  #next = 0;
  constructor(time: number) {
    this.time = time;
  }
  now(): number {
    return this.time;
  }
  setInterval(fn: () => void): unknown {
    const id = ++this.#next;
    this.#timers.set(id, fn);
    return id;
  }
  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get timers(): number {
    return this.#timers.size;
  }
  /** Advances time and fires every interval once. */
  tick(ms: number): void {
    this.time += ms;
    for (const fn of this.#timers.values()) fn();
  }
}
