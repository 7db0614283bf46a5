// The test camera as a managed child process: bin/test-camera (GStreamer's RTSP server through
// python3-gi) on a free loopback port. Used by tests and the demo in place of a real IP camera.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/camera.ts or dist/camera.js: the package root is one level up either way.
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = path.join(PACKAGE_ROOT, 'bin/test-camera');

/** Debian's python has gi; a pyenv python3 earlier on PATH usually does not. */
export function cameraPython(): string {
  if (process.env.TEST_CAMERA_PYTHON) return process.env.TEST_CAMERA_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export interface TestCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  gopSeconds?: number;
  audio?: 'none' | 'aac' | 'pcma' | 'pcmu';
  user?: string;
  password?: string;
  /** A file replayed on /clip in real time without re-encoding. */
  clip?: string;
  /** Listen on this loopback port; 0 (the default) picks a free one. A fixed port lets a test bring a
   * camera back at the address a client already has. */
  port?: number;
  startTimeoutMs?: number;
}

export interface TestCamera {
  readonly port: number;
  readonly pid: number;
  /** rtsp URL for /cam, /cam265, /mjpeg or /clip, with the camera's credentials unless others are given. */
  url(pathName?: string, credentials?: { user: string; password: string } | null): string;
  /** SIGINT, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Freeze or thaw the camera (SIGSTOP/SIGCONT) to simulate a hung device. */
  pause(): void;
  resume(): void;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startTestCamera(options: TestCameraOptions = {}): Promise<TestCamera> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test or demo that dies early must not leave cameras behind.
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const args = [SCRIPT, '--port', String(options.port ?? 0)];
  const add = (flag: string, value: unknown) => {
    if (value !== undefined && value !== '') args.push(flag, String(value));
  };
  add('--width', options.width);
  add('--height', options.height);
  add('--fps', options.fps);
  add('--bitrate', options.bitrateKbps);
  add('--gop', options.gopSeconds);
  add('--audio', options.audio);
  add('--user', options.user);
  add('--password', options.password);
  add('--clip', options.clip);
  const child = spawn(cameraPython(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const stop = () => stopChild(child);
  const timeoutMs = options.startTimeoutMs ?? 15000;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const port = await readyPort(child, timeoutMs, () => stderr);
    await waitForRtsp(port, timeoutMs);
    const own = options.user ? { user: options.user, password: options.password ?? '' } : null;
    return {
      port,
      pid: child.pid!,
      stop,
      pause: () => child.kill('SIGSTOP'),
      resume: () => child.kill('SIGCONT'),
      url(pathName = '/cam', credentials = own) {
        const auth = credentials
          ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
          : '';
        return `rtsp://${auth}127.0.0.1:${port}${pathName}`;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function readyPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`test camera did not start in time: ${stderr()}`)),
      timeoutMs,
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test camera exited with ${code}: ${stderr()}`));
    });
  });
}

/** Polls with RTSP OPTIONS until the server answers, so nobody races the camera's start. */
export async function waitForRtsp(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersOptions(port)) return;
    if (Date.now() > deadline) throw new Error(`RTSP server on port ${port} did not answer OPTIONS`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function answersOptions(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () =>
      socket.write(`OPTIONS rtsp://127.0.0.1:${port}/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n`),
    );
    socket.once('data', (d: Buffer) => {
      socket.destroy();
      resolve(d.toString().startsWith('RTSP/1.0'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT'); // a paused camera cannot handle SIGINT
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}
