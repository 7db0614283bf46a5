// A camera that accepts the RTSP connection and never answers keeps rtspsrc waiting, so EOS never
// arrives. The Node side escalates to SIGKILL after its grace, but when Node itself died the runner
// gets exactly one SIGINT (PR_SET_PDEATHSIG) and nobody sends a second: it must still end, or the
// pipeline outlives the component.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PY_LAUNCHER } from '../../src/gst/launcher-py.js';
import { PY_POOL_RUNNER } from '../../src/gst/pool-py.js';
import { defaultPython } from '../../src/gst/launcher.js';
import { eventually } from '../helpers/poll.js';

t.test('a runner whose camera never answers ends by itself after a single SIGINT', async (t) => {
  const held: net.Socket[] = [];
  const silent = net.createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;

  const child = spawn(defaultPython(), ['-c', PY_LAUNCHER], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdin.end(`rtspsrc location=rtsp://127.0.0.1:${port}/cam protocols=tcp ! fakesink`);

  await eventually('the runner to start its pipeline', () => out.includes('Setting pipeline to PLAYING'));
  await eventually('the camera connection', () => held.length > 0);
  child.kill('SIGINT');
  await eventually('the runner to ask for EOS', () => out.includes('Forcing EOS'));
  t.equal(child.exitCode, null, 'EOS cannot arrive: the runner is still waiting for it');

  const code = await Promise.race([
    exited,
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000).unref()),
  ]);
  t.equal(code, 130, 'it ended on its own, with the code of an interrupted run');
  t.match(out, /EOS did not arrive within \d+ s of the stop/, 'and said why');
});

t.test(
  'a shared runner whose parent is gone (stdout closed) still stops its pipelines and ends by itself',
  async (t) => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kvs-edge-orphan-'));
    const media = net.createServer((socket) => void held.push(socket));
    const socketPath = path.join(dir, 'media.sock');
    await new Promise<void>((resolve) => media.listen(socketPath, resolve));
    t.teardown(() => {
      for (const s of held) s.destroy();
      silent.close();
      media.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const port = (silent.address() as net.AddressInfo).port;

    const child = spawn(defaultPython(), ['-c', PY_POOL_RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually('the runner to be ready', () => out.includes('* READY'));
    const desc = `rtspsrc location=rtsp://127.0.0.1:${port}/cam protocols=tcp ! fakesink`;
    child.stdin.write(
      JSON.stringify({ op: 'start', id: 'cam1', desc, socket: socketPath, token: 't' }) + '\n',
    );
    await eventually('the pipeline to start', () => out.includes('cam1 Setting pipeline to PLAYING'));
    await eventually('the camera connection', () => held.length >= 2);

    // What the runner sees when Node dies: its stdout reader is gone, then the kernel's one SIGINT.
    child.stdout.destroy();
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000).unref()),
    ]);
    t.not(code, 'still running', 'the runner ended although nobody reads what it writes');
  },
);
