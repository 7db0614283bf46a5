import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestCamera, waitForRtsp } from '../src/camera.js';

t.test('camera URLs carry encoded credentials, and a paused camera still stops', async (t) => {
  const camera = await startTestCamera({ user: 'op', password: 'p@ss:w/rd' });
  t.teardown(() => camera.stop());
  t.equal(camera.url('/cam265'), `rtsp://op:p%40ss%3Aw%2Frd@127.0.0.1:${camera.port}/cam265`);
  t.equal(camera.url('/cam', null), `rtsp://127.0.0.1:${camera.port}/cam`);
  t.equal(camera.url('/cam', { user: 'x', password: 'y' }), `rtsp://x:y@127.0.0.1:${camera.port}/cam`);
  camera.pause();
  camera.resume();
  camera.pause();
  await camera.stop();
  await camera.stop(); // a second stop is harmless
  await t.rejects(waitForRtsp(camera.port, 300), /did not answer OPTIONS/);
});

t.test('a camera that cannot start fails with its stderr', async (t) => {
  const previous = process.env.TEST_CAMERA_PYTHON;
  process.env.TEST_CAMERA_PYTHON = '/bin/false';
  t.teardown(() => {
    if (previous === undefined) delete process.env.TEST_CAMERA_PYTHON;
    else process.env.TEST_CAMERA_PYTHON = previous;
  });
  await t.rejects(startTestCamera({ startTimeoutMs: 5000 }), /test camera exited with 1/);
});

t.test('a camera that never says READY times out', async (t) => {
  const previous = process.env.TEST_CAMERA_PYTHON;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'silent-camera-'));
  const silent = path.join(dir, 'python');
  await writeFile(silent, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  process.env.TEST_CAMERA_PYTHON = silent; // starts, never says "READY <port>"
  t.teardown(() => {
    if (previous === undefined) delete process.env.TEST_CAMERA_PYTHON;
    else process.env.TEST_CAMERA_PYTHON = previous;
  });
  await t.rejects(startTestCamera({ startTimeoutMs: 500 }), /did not start in time/);
});
