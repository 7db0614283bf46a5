// One gst-launch-1.0 run with an owner: abortable (SIGINT so the muxer finishes its file, SIGKILL
// after a grace period), time-limited, with the tail of its output kept for the error message.
import { spawn } from 'node:child_process';

/** How a gst-launch run is bounded. */
export interface GstRunOptions {
  signal?: AbortSignal;
  /** Whole-run limit; a clip remux runs much faster than real time, so this is generous. */
  timeoutMs: number;
  /** Time between SIGINT and SIGKILL. */
  graceMs?: number;
  gstLaunchPath?: string;
  /**
   * Checked every 200 ms: once it says the output is complete, the child gets 2 s to exit by itself
   * and is then ended and counted a success. gst 1.22's splitmuxsink (inside hlssink2) sometimes
   * hangs at EOS after writing everything.
   */
  finished?: () => Promise<boolean>;
}

// Enough of stderr to show the ERROR lines; gst-launch is quiet (-q) otherwise.
const TAIL_BYTES = 8 * 1024;

/** Runs gst-launch-1.0 -q -e <args>; resolves on exit 0, rejects with the output tail otherwise. */
export function runGstLaunch(args: string[], options: GstRunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.gstLaunchPath ?? 'gst-launch-1.0', ['-q', '-e', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let reason: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: string) => {
      if (reason !== undefined || child.exitCode !== null) return;
      reason = why;
      signal(child.pid, 'SIGINT');
      killTimer = setTimeout(() => signal(child.pid, 'SIGKILL'), options.graceMs ?? 3000);
    };
    const timer = setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    let completeTimer: NodeJS.Timeout | undefined;
    let complete = false;
    const poll = options.finished
      ? setInterval(() => {
          void options.finished!().then((done) => {
            if (!done || complete || child.exitCode !== null) return;
            complete = true;
            clearInterval(poll);
            completeTimer = setTimeout(() => signal(child.pid, 'SIGKILL'), 2000);
          });
        }, 200)
      : undefined;
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.once('error', (err) => {
      cleanup();
      reject(new Error(`cannot start gst-launch-1.0: ${err.message}`));
    });
    child.once('close', (code, sig) => {
      cleanup();
      if (reason !== undefined) return reject(new Error(`gst-launch-1.0 ${reason}`));
      if (code === 0 || complete) return resolve();
      reject(
        new Error(
          `gst-launch-1.0 exited with ${code ?? sig}: ${tail.trim().split('\n').slice(-5).join(' | ')}`,
        ),
      );
    });
    function cleanup() {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (completeTimer) clearTimeout(completeTimer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  });
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    // The child leads its own process group (detached), so this reaches it and nothing else.
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}
