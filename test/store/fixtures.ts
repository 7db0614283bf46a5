// Real fragments for store tests: a short H.264 capture made by GStreamer (videotestsrc, 1 s GOPs)
// run through the mkv Fragmenter, plus a hand-driven clock for retention.
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StoreClock } from '../../src/store/index.js';

const run = promisify(execFile);

/** matroskamux (streamable) bytes of `seconds` of 160x120 15 fps H.264 with a keyframe every second. */
export async function capture(seconds: number, bitrateKbps = 256): Promise<Buffer> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'store-capture-'));
  const file = path.join(dir, 'capture.mkv');
  try {
    await run('gst-launch-1.0', [
      '-q',
      'videotestsrc',
      `num-buffers=${seconds * 15}`,
      // Snow does not compress: the bitrate asked for is the bitrate written.
      bitrateKbps > 256 ? 'pattern=snow' : 'pattern=ball',
      '!',
      'video/x-raw,width=160,height=120,framerate=15/1',
      '!',
      'x264enc',
      'key-int-max=15',
      'speed-preset=ultrafast',
      'tune=zerolatency',
      `bitrate=${bitrateKbps}`,
      '!',
      'h264parse',
      '!',
      'matroskamux',
      'streamable=true',
      '!',
      'filesink',
      `location=${file}`,
    ]);
    return await fsp.readFile(file);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
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
