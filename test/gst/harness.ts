// Test harness around CameraSource: collects fragments, health changes and log lines, and waits for
// conditions with deadlines (never sleeps).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { CameraSource, type CameraHealth, type CameraSourceOptions } from '../../src/gst/index.js';
import { createLogger } from '../../src/log/index.js';
import type { Fragment } from '../../src/mkv/index.js';

export interface Received {
  fragment: Fragment;
  /** Date.now() when onFragment ran. */
  at: number;
}

export interface Harness {
  source: CameraSource;
  fragments: Received[];
  health: CameraHealth[];
  logs: string[];
  /** Resolves with the first health snapshot that satisfies pred (also one seen before). */
  until(pred: (h: CameraHealth) => boolean, timeoutMs: number, what: string): Promise<CameraHealth>;
  fragmentsUntil(pred: (f: Received[]) => boolean, timeoutMs: number, what: string): Promise<Received[]>;
}

/** Fast supervision for tests: 200 ms backoff, 2 s watchdog, short grace. */
export const FAST = {
  backoffBaseMs: 200,
  backoffMaxMs: 1000,
  watchdogMs: 2000,
  stopGraceMs: 3000,
  describeTimeoutMs: 1500,
};

export function startSource(
  t: { teardown(fn: () => unknown): void },
  options: Omit<CameraSourceOptions, 'onFragment'> & Partial<Pick<CameraSourceOptions, 'onFragment'>>,
): Harness {
  const fragments: Received[] = [];
  const health: CameraHealth[] = [];
  const logs: string[] = [];
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const w of waiters) w();
  };
  const source = new CameraSource({
    log: createLogger({ level: 'debug', destination: { write: (l: string) => logs.push(l) } }),
    timing: FAST,
    ...options,
    onFragment: (f) => {
      fragments.push({ fragment: f, at: Date.now() });
      options.onFragment?.(f);
      poke();
    },
    onHealth: (h) => {
      health.push(h);
      options.onHealth?.(h);
      poke();
    },
  });
  source.start();
  t.teardown(() => source.stop());
  const wait = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const test = () => {
        const v = check();
        if (v !== undefined) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; last health ${JSON.stringify(source.health())}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(test);
      };
      waiters.add(test);
      test();
    });
  return {
    source,
    fragments,
    health,
    logs,
    until: (pred, timeoutMs, what) => wait(() => health.find(pred), timeoutMs, what),
    fragmentsUntil: (pred, timeoutMs, what) =>
      wait(() => (pred(fragments) ? fragments : undefined), timeoutMs, what),
  };
}

/** Header of the first fragment's generation + those fragments, as one Matroska file. */
export async function writeRecording(file: string, received: Received[]): Promise<Fragment[]> {
  const first = received[0]!.fragment;
  const same = received.map((r) => r.fragment).filter((f) => f.header.generation === first.header.generation);
  await writeFile(file, Buffer.concat([first.header.bytes, ...same.map((f) => f.bytes)]));
  return same;
}

/** True while a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Resolves when pred() holds, polling every 50 ms, or rejects at the deadline. */
export async function poll(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
