// One pipeline run, from spawn to exit: drain fd 3 into a Fragmenter as fast as it arrives, watch for
// silence, keep a bounded redacted tail of the child's messages, and say why the run ended. It never
// restarts anything itself; that is CameraSource's job.
import type { Logger } from '../log/index.js';
import type { CameraFailure } from './failures.js';
import type { ChildListener, GstChild } from './launcher.js';

/** How a run ended: `failure` is undefined only when the run was stopped on purpose. */
export interface RunResult {
  /** Time from the first byte to the end of the run (0 when no byte came). */
  streamedMs: number;
  failure?: CameraFailure;
}

/** What runOnce needs from its owner. */
export interface RunDeps {
  start(listener: ChildListener): GstChild;
  fragmenter(epochBaseMs: number): {
    push(chunk: Buffer): void;
    end(options?: { dropLastFrame?: boolean }): void;
  };
  onBytes(n: number): void;
  onStreaming(): void;
  scrub(text: string): string;
  classify(text: string): CameraFailure;
  timeout(what: string): CameraFailure;
  log: Logger;
  signal: AbortSignal;
  watchdogMs: number;
  stopGraceMs: number;
}

// The child's messages are kept for the error detail: startup, the error and its debug lines fit in
// 40 lines; older lines are noise by the time the run fails.
const TAIL_LINES = 40;
// Media that arrives before the base time is known (it cannot, in practice: PLAYING precedes data) is
// held up to this many bytes, about 30 s of a 4 Mbit/s camera, then stamped with the arrival clock.
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
// After the child exits, the rest of fd 3 is still in the socket; this is how long we wait for EOF.
const DRAIN_AFTER_EXIT_MS = 2000;

export async function runOnce(d: RunDeps): Promise<RunResult> {
  let fragmenter: ReturnType<RunDeps['fragmenter']> | undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let firstByteAt: number | undefined;
  let watchdogFired = false;
  let parseFailure: CameraFailure | undefined;
  let sawError = false;
  const tail: string[] = [];

  const start = (epochBaseMs: number) => {
    fragmenter = d.fragmenter(epochBaseMs);
    const held = pending;
    pending = [];
    for (const chunk of held) feed(chunk);
  };
  const feed = (chunk: Buffer) => {
    if (!fragmenter) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > MAX_PENDING_BYTES) {
        d.log.warn('pipeline base time unknown; stamping fragments with the arrival clock');
        start(Date.now());
      }
      return;
    }
    try {
      fragmenter.push(chunk);
    } catch (err) {
      if (!parseFailure) {
        parseFailure = d.classify(`ERROR: unreadable Matroska from matroskamux: ${(err as Error).message}`);
        void child.stop(d.stopGraceMs);
      }
    }
  };

  const child = d.start({
    line(text, stream) {
      const clean = d.scrub(text);
      if (clean.startsWith('ERROR')) sawError = true;
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      d.log.debug({ stream, line: clean }, 'gst');
    },
    playing(epochBaseMs, method) {
      if (fragmenter) return;
      d.log.debug({ epochBaseMs, method }, 'pipeline playing');
      start(epochBaseMs);
    },
  });

  const stop = () => void child.stop(d.stopGraceMs);
  const watchdog = setTimeout(() => {
    watchdogFired = true;
    d.log.warn({ watchdogMs: d.watchdogMs }, 'no media from the camera; restarting the pipeline');
    stop();
  }, d.watchdogMs);
  child.media.on('data', (chunk: Buffer) => {
    watchdog.refresh();
    d.onBytes(chunk.length);
    if (firstByteAt === undefined) {
      firstByteAt = Date.now();
      d.onStreaming();
    }
    feed(chunk);
  });
  const mediaDone = new Promise<void>((resolve) => {
    child.media.once('end', resolve);
    child.media.once('close', resolve);
    child.media.once('error', () => resolve());
  });
  if (d.signal.aborted) stop();
  d.signal.addEventListener('abort', stop, { once: true });

  const exit = await child.exited;
  clearTimeout(watchdog);
  d.signal.removeEventListener('abort', stop);
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    mediaDone,
    new Promise<void>((r) => (drainTimer = setTimeout(r, DRAIN_AFTER_EXIT_MS))),
  ]);
  clearTimeout(drainTimer);
  child.media.removeAllListeners('data');
  child.media.destroy();
  if (!fragmenter && pending.length) start(Date.now());
  try {
    // A stop we asked for may have cut the last frame mid-transfer; an EOS from the camera did not.
    fragmenter?.end({ dropLastFrame: d.signal.aborted });
  } catch (err) {
    d.log.warn({ err: (err as Error).message }, 'incomplete Matroska tail dropped');
  }

  const streamedMs = firstByteAt === undefined ? 0 : Date.now() - firstByteAt;
  const text = tail.join('\n');
  if (parseFailure) return { streamedMs, failure: parseFailure };
  if (watchdogFired) return { streamedMs, failure: d.timeout(`no video for ${d.watchdogMs / 1000} s`) };
  if (d.signal.aborted) return { streamedMs };
  if (sawError) return { streamedMs, failure: d.classify(text) };
  if (exit.code === 0) {
    // gst-launch ends with EOS and code 0 when a TCP camera closes the connection.
    return { streamedMs, failure: d.classify(`ERROR: server closed connection (end of stream)\n${text}`) };
  }
  return {
    streamedMs,
    failure: d.classify(`ERROR: pipeline exited with code ${exit.code ?? exit.signal}\n${text}`),
  };
}
