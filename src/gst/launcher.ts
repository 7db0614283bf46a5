// GStreamer child processes: spawn one, read its lines, hand out fd 3, stop it with SIGINT (EOS) and
// SIGKILL after a grace period. GstProcesses owns the children it launched (one instance per
// component, made by main.ts), so a shutdown can stop whatever is left, and it hands out the header
// generation numbers of the fragments those children produce.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PY_LAUNCHER } from './launcher-py.js';
import { pipelineArgv } from './pipeline.js';

/** Which program runs the pipeline; see docs/camera-source.md for the trade-off. */
export type LauncherKind = 'python-gi' | 'gst-launch';

/** How to start the child. */
export interface LaunchOptions {
  launcher: LauncherKind;
  /** gst-launch-1.0 binary for the gst-launch launcher. */
  gstLaunchPath: string;
  /** A python3 that has gi with Gst 1.0, for the python-gi launcher. */
  pythonPath: string;
}

/** Debian's python has gi; a pyenv python3 earlier on PATH usually does not. */
export function defaultPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() was called before the child exited. */
  requested: boolean;
}

/** A running pipeline child. */
export interface GstChild {
  readonly pid: number;
  /** The Matroska byte stream (fd 3). */
  readonly media: Readable;
  readonly exited: Promise<ChildExit>;
  /** SIGINT (EOS), SIGKILL after graceMs; resolves once the child has exited. */
  stop(graceMs: number): Promise<ChildExit>;
}

/** Per line of the child's stdout/stderr, and the pipeline's base time once it is PLAYING. */
export interface ChildListener {
  line(text: string, stream: 'stdout' | 'stderr'): void;
  /** Epoch ms at pipeline running time 0. */
  playing(epochBaseMs: number, method: 'pipeline-clock' | 'playing-line'): void;
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The child leads its own process group; signalling the group also reaches anything it forked.
    process.kill(-child.pid!, sig);
  } catch {
    child.kill(sig);
  }
}

/** The pipeline children of one component, and the header generations of their fragments. */
export class GstProcesses {
  readonly #live = new Set<ChildProcess>();
  #generation = 0;
  // Last resort when something calls process.exit() without stopping sources: nobody will read the
  // tail any more, so there is nothing left to flush and SIGKILL cannot lose anything we could keep.
  // Attached only while a child lives, so instances that are done leave no listener behind.
  readonly #onExit = (): void => {
    for (const c of this.#live) signalGroup(c, 'SIGKILL');
  };

  /** Header generation numbers, unique across this component's cameras and restarts. */
  nextGeneration(): number {
    return ++this.#generation;
  }

  /** Pids of every child of this instance still running. */
  pids(): number[] {
    return [...this.#live].map((c) => c.pid!).filter((p) => p !== undefined);
  }

  /** Starts one pipeline child. */
  launch(description: string, options: LaunchOptions, listener: ChildListener): GstChild {
    return launchChild(description, options, listener, {
      add: (child) => {
        if (this.#live.size === 0) process.on('exit', this.#onExit);
        this.#live.add(child);
      },
      remove: (child) => {
        if (this.#live.delete(child) && this.#live.size === 0) process.off('exit', this.#onExit);
      },
    });
  }

  /** SIGINT every live child, SIGKILL after graceMs; resolves when all have exited. */
  async stopAll(graceMs: number): Promise<void> {
    const children = [...this.#live];
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            signalGroup(c, 'SIGINT');
            setTimeout(() => signalGroup(c, 'SIGKILL'), graceMs).unref();
          }),
      ),
    );
  }
}

interface Registry {
  add(child: ChildProcess): void;
  remove(child: ChildProcess): void;
}

function launchChild(
  description: string,
  options: LaunchOptions,
  listener: ChildListener,
  registry: Registry,
): GstChild {
  const stdio: ('ignore' | 'pipe')[] = ['pipe', 'pipe', 'pipe', 'pipe'];
  // detached: own process group, so a Ctrl-C in a terminal reaches Node only and Node decides the
  // order of shutdown (stopping a source, or GstProcesses.stopAll, sends SIGINT to each child).
  const child =
    options.launcher === 'python-gi'
      ? spawn(options.pythonPath, ['-c', PY_LAUNCHER], { stdio, detached: true })
      : spawn(options.gstLaunchPath, ['-e', '-m', ...pipelineArgv(description)], {
          stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
          detached: true,
        });
  registry.add(child);
  let requested = false;
  const exited = new Promise<ChildExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      registry.remove(child);
      resolve({ code, signal, requested });
    };
    child.once('exit', finish);
    // spawn failures (ENOENT) emit 'error' and, without a pid, never 'exit'.
    child.once('error', (err) => {
      listener.line(`ERROR: could not start ${err.message}`, 'stderr');
      if (child.pid === undefined) finish(127, null);
    });
  });
  if (options.launcher === 'python-gi') {
    child.stdin!.on('error', () => undefined); // a child that died at once closes its stdin
    child.stdin!.end(description);
  }
  for (const name of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[name]!.setEncoding('utf8');
    child[name]!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!.slice(-4096); // a line without newline is bounded; gst lines are short
      for (const l of lines) {
        const epoch = /^EPOCH-BASE-NS (\d+)/.exec(l);
        if (epoch) listener.playing(Number(BigInt(epoch[1]!) / 1000n) / 1000, 'pipeline-clock');
        else {
          if (options.launcher === 'gst-launch' && l.startsWith('Setting pipeline to PLAYING')) {
            listener.playing(Date.now(), 'playing-line');
          }
          listener.line(l, name);
        }
      }
    });
  }
  const media = child.stdio[3] as Readable;
  return {
    pid: child.pid ?? -1,
    media,
    exited,
    async stop(graceMs: number) {
      requested = true;
      signalGroup(child, 'SIGCONT');
      signalGroup(child, 'SIGINT');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
