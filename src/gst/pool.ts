// RunnerPool: several cameras' pipelines share one python3-gi runner process (camerasPerRunner each),
// instead of one interpreter per camera. A runner holds the Python interpreter, gi and the GStreamer
// libraries once (about 20 MB), so each further camera costs only its pipeline.
//
// Isolation: each pipeline has its own bus, so an error, EOS, watchdog stop or stop() of one camera ends
// only that pipeline. What a shared process cannot isolate is a crash of the process itself (a plugin
// segfault) or a pipeline that ignores both EOS and NULL: then the runner ends and every camera on it
// sees its run end with a failure, and each CameraSource restarts on its own (backoff from 1 s) on a
// runner with room. That is the trade-off against one process per camera; docs/performance.md has it.
//
// Media: Node listens on a unix socket in a private 0700 folder; for each pipeline the runner connects,
// names the run with a random token line and hands the socket to fdsink, so the bytes still flow with
// no copy in between, as on fd 3 of a per-camera child.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../log/index.js';
import { defaultPython, type ChildExit, type ChildListener, type GstChild } from './launcher.js';
import { PY_POOL_RUNNER } from './pool-py.js';

/** Pool settings. */
export interface RunnerPoolOptions {
  /** Pipelines per runner process. Default 4; 1 gives every camera its own process. */
  camerasPerRunner?: number;
  /** A python3 that has gi with Gst 1.0. */
  pythonPath?: string;
  log?: Logger;
}

interface Pending {
  listener: ChildListener;
  media: (socket: net.Socket) => void;
  exit: (e: ChildExit) => void;
  requested: boolean;
}

class Runner {
  readonly child: ChildProcess;
  readonly runs = new Map<string, Pending>();
  ended = false;

  constructor(pythonPath: string, onEnd: (r: Runner) => void) {
    // detached: its own process group, so a terminal's Ctrl-C reaches Node only and Node orders the stop.
    this.child = spawn(pythonPath, ['-c', PY_POOL_RUNNER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdin!.on('error', () => undefined); // a runner that died closes its stdin
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!.slice(-4096);
      for (const l of lines) this.#line(l, 'stdout');
    });
    let errPartial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      const lines = (errPartial + text).split('\n');
      errPartial = lines.pop()!.slice(-4096);
      // The runner's own stderr (a Python traceback, a GStreamer critical) is about every run on it.
      for (const l of lines) for (const r of this.runs.values()) r.listener.line(l, 'stderr');
    });
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.ended) return;
      this.ended = true;
      for (const [, r] of this.runs) r.exit({ code: code ?? 1, signal, requested: r.requested });
      this.runs.clear();
      onEnd(this);
    };
    this.child.once('exit', end);
    this.child.once('error', (err) => {
      for (const r of this.runs.values()) r.listener.line(`ERROR: could not start ${err.message}`, 'stderr');
      if (this.child.pid === undefined) end(127, null);
    });
  }

  send(command: Record<string, string>): void {
    if (!this.ended) this.child.stdin!.write(JSON.stringify(command) + '\n');
  }

  #line(line: string, stream: 'stdout' | 'stderr'): void {
    const space = line.indexOf(' ');
    const id = line.slice(0, space);
    const text = line.slice(space + 1);
    const run = this.runs.get(id);
    if (!run) return;
    const exit = /^EXIT (\d+)$/.exec(text);
    if (exit) {
      this.runs.delete(id);
      run.exit({ code: Number(exit[1]), signal: null, requested: run.requested });
      return;
    }
    const epoch = /^EPOCH-BASE-NS (\d+)/.exec(text);
    if (epoch) run.listener.playing(Number(BigInt(epoch[1]!) / 1000n) / 1000, 'pipeline-clock');
    else run.listener.line(text, stream);
  }

  stop(graceMs: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    signal(this.child, 'SIGINT');
    const timer = setTimeout(() => signal(this.child, 'SIGKILL'), graceMs);
    return done.finally(() => clearTimeout(timer));
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, sig);
  } catch {
    child.kill(sig);
  }
}

/** Owns the shared runners and the media socket; close() ends them all. */
export class RunnerPool {
  readonly #perRunner: number;
  readonly #python: string;
  readonly #log: Logger | undefined;
  readonly #runners = new Set<Runner>();
  readonly #waiting = new Map<string, Pending>();
  #dir: string | undefined;
  #socketPath = '';
  #server: net.Server | undefined;
  #listening: Promise<void> | undefined;
  #closed = false;
  #ids = 0;

  constructor(options: RunnerPoolOptions = {}) {
    const per = options.camerasPerRunner ?? 4;
    if (!Number.isInteger(per) || per < 1)
      throw new Error(`camerasPerRunner must be a whole number >= 1, got ${per}`);
    this.#perRunner = per;
    this.#python = options.pythonPath ?? defaultPython();
    this.#log = options.log;
  }

  /** Pids of the runner processes alive now. */
  runnerPids(): number[] {
    return [...this.#runners].filter((r) => !r.ended).map((r) => r.child.pid ?? -1);
  }

  #listen(): Promise<void> {
    this.#listening ??= new Promise<void>((resolve, reject) => {
      // The folder is 0700: no other local user can connect and pose as a camera's pipeline.
      this.#dir = mkdtempSync(path.join(os.tmpdir(), 'kvs-edge-gst-'));
      this.#socketPath = path.join(this.#dir, 'media.sock');
      const server = net.createServer((socket) => this.#accept(socket));
      server.once('error', reject);
      server.listen(this.#socketPath, () => resolve());
      this.#server = server;
    });
    return this.#listening;
  }

  #accept(socket: net.Socket): void {
    // The first line is the run's token; everything after it is Matroska.
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > 128) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const run = this.#waiting.get(head.subarray(0, nl).toString());
      if (!run) return void socket.destroy();
      this.#waiting.delete(head.subarray(0, nl).toString());
      const rest = head.subarray(nl + 1);
      if (rest.length) socket.unshift(rest);
      run.media(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  }

  #runner(): Runner {
    for (const r of this.#runners) if (!r.ended && r.runs.size < this.#perRunner) return r;
    const r = new Runner(this.#python, (ended) => {
      this.#runners.delete(ended);
      if (ended.child.exitCode !== 0 && !this.#closed) {
        this.#log?.warn(
          { pid: ended.child.pid, code: ended.child.exitCode, signal: ended.child.signalCode },
          'GStreamer runner ended; its cameras restart on their own',
        );
      }
    });
    this.#runners.add(r);
    return r;
  }

  /** Starts one pipeline; same contract as a per-camera child (launch() in launcher.ts). */
  launch(description: string, listener: ChildListener): GstChild {
    const id = `r${++this.#ids}`;
    const token = randomBytes(16).toString('hex');
    // The media stream exists at once; the socket behind it arrives once the runner has connected.
    let resolveExit!: (e: ChildExit) => void;
    const exited = new Promise<ChildExit>((resolve) => (resolveExit = resolve));
    let mediaSocket: net.Socket | undefined;
    // PassThrough hands the socket's Buffers on as they are (no copy).
    const media = new PassThrough();
    media.once('close', () => mediaSocket?.destroy());
    const pending: Pending = {
      listener,
      requested: false,
      media: (socket) => {
        mediaSocket = socket;
        if (media.destroyed) return void socket.destroy();
        socket.pipe(media);
        socket.resume();
      },
      exit: (e) => {
        this.#waiting.delete(token);
        // No connection will come any more: the media stream ends now (an attached socket ends itself).
        if (!mediaSocket) media.end();
        resolveExit(e);
      },
    };
    if (this.#closed) {
      queueMicrotask(() => pending.exit({ code: 1, signal: null, requested: false }));
      listener.line('ERROR: the GStreamer runner pool is closed', 'stderr');
      return { pid: -1, media, exited, stop: () => exited };
    }
    const runner = this.#runner();
    runner.runs.set(id, pending);
    this.#waiting.set(token, pending);
    void this.#listen().then(
      () => runner.send({ op: 'start', id, desc: description, socket: this.#socketPath, token }),
      (err: Error) => {
        listener.line(`ERROR: could not open the media socket: ${err.message}`, 'stderr');
        runner.runs.delete(id);
        pending.exit({ code: 1, signal: null, requested: false });
      },
    );
    return {
      pid: runner.child.pid ?? -1,
      media,
      exited,
      async stop(graceMs: number) {
        pending.requested = true;
        runner.send({ op: 'stop', id });
        // A second stop ends the pipeline without waiting for EOS; a runner that does not even do that
        // is wedged, and only ending it frees the camera (its other cameras restart).
        const second = setTimeout(() => runner.send({ op: 'stop', id }), graceMs);
        const last = setTimeout(() => void runner.stop(1000), graceMs + 2000);
        const result = await exited;
        clearTimeout(second);
        clearTimeout(last);
        return result;
      },
    };
  }

  /** EOS to every pipeline, SIGKILL after graceMs; removes the socket folder. */
  async close(graceMs = 5000): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#runners].map((r) => r.stop(graceMs)));
    for (const run of this.#waiting.values()) run.exit({ code: 1, signal: null, requested: true });
    this.#waiting.clear();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
