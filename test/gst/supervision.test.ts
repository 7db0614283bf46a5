// Supervision against the test camera: each failure class a user can cause, a camera that dies and
// comes back, and a camera that hangs. Cases run concurrently. (Node itself being told to quit is the
// component's one signal path, tested end to end in test/connector/signals.test.ts.)
import t from 'tap';
import net from 'node:net';
import { startTestCamera } from '../helpers/test-camera.js';
import { alive, startSource } from './fixtures/harness.js';

const PASSWORD = 'Sekr3t:p@ss/word';
const creds = { user: 'viewer', password: PASSWORD };

/** Texts that contain the password, raw or URL-encoded. */
function leaks(texts: string[]): string[] {
  return texts.filter((x) => x.includes(PASSWORD) || x.includes(encodeURIComponent(PASSWORD)));
}

t.test('failure classes', async (t) => {
  const camera = await startTestCamera(t, { ...creds });
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const urlRef = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cam1';
  const cases = [
    {
      name: 'wrong password',
      url: camera.url('/cam', { user: 'viewer', password: 'wrong-' + PASSWORD }),
      code: 'unauthorized',
      state: 'failed',
      says: /401.*arn:aws:secretsmanager/,
    },
    {
      name: 'no credentials',
      url: camera.url('/cam', null),
      code: 'unauthorized',
      state: 'failed',
      says: /user name or password/,
    },
    { name: 'wrong path', url: camera.url('/nope'), code: 'not-found', state: 'failed', says: /404/ },
    {
      name: 'unsupported codec',
      url: camera.url('/mjpeg'),
      code: 'unsupported-codec',
      state: 'failed',
      says: /Motion JPEG \(MJPEG\).*H\.264 or H\.265/,
    },
    {
      name: 'nothing listening',
      url: `rtsp://viewer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${closedPort}/cam`,
      code: 'unreachable',
      state: 'backing-off',
      says: /ECONNREFUSED/,
    },
  ];
  await Promise.all(
    cases.map(async (c) => {
      const h = startSource(t, { cameraId: c.name, url: c.url, urlRef });
      const seen = await h.until((x) => x.lastError !== undefined, 10000, `${c.name} error`);
      t.equal(seen.lastError!.code, c.code, `${c.name}: class ${c.code}`);
      t.equal(seen.state, c.state, `${c.name}: state ${c.state}`);
      t.match(seen.lastError!.message, c.says, `${c.name}: says what to do`);
      // It keeps trying (an operator may fix the camera), counting restarts.
      await h.until((x) => x.restarts >= 1, 10000, `${c.name} retry`);
      await h.source.stop();
      t.same(leaks([...h.logs, JSON.stringify(h.health)]), [], `${c.name}: no password in logs or health`);
    }),
  );
});

t.test('a camera that dies is restarted, with a new header generation, once it is back', async (t) => {
  const camera = await startTestCamera(t, { ...creds });
  const port = camera.port;
  const h = startSource(t, { cameraId: 'killed', url: camera.url('/cam') });
  await h.fragmentsUntil((f) => f.length >= 1, 20000, 'first fragment');
  const firstGen = h.fragments[0]!.fragment.header.generation;
  await camera.stop();
  const down = await h.until((x) => x.lastError?.code === 'unreachable', 10000, 'disconnect noticed');
  t.not(down.state, 'failed', 'a lost camera is transient, not failed');
  await h.until(
    (x) => x.state === 'backing-off' && x.restarts >= 1,
    10000,
    'retrying while the camera is gone',
  );
  await startTestCamera(t, { ...creds, port }); // the same address, so the source finds it
  await h.fragmentsUntil(
    (f) => f.some((r) => r.fragment.header.generation > firstGen),
    20000,
    'a fragment from the new run',
  );
  const now = h.source.health();
  t.equal(now.state, 'streaming');
  t.ok(now.restarts >= 2, `restarts counted (${now.restarts})`);
  t.ok(now.bytesPerSecond >= 0 && now.fragmentsPerSecond >= 0, 'rates reported');
  const times = h.fragments.map((r) => r.fragment.startMs);
  t.same(
    times,
    [...times].sort((a, b) => a - b),
    'fragment times keep rising across the restart',
  );
});

t.test('a hung camera trips the watchdog; the source recovers when it resumes', async (t) => {
  const camera = await startTestCamera(t, { ...creds });
  const h = startSource(t, { cameraId: 'hung', url: camera.url('/cam') });
  const streaming = await h.until((x) => x.state === 'streaming' && x.pid !== undefined, 20000, 'streaming');
  await h.fragmentsUntil((f) => f.length >= 1, 20000, 'first fragment');
  camera.pause();
  const hung = await h.until((x) => x.lastError?.code === 'timeout', 10000, 'watchdog');
  t.match(hung.lastError!.message, /no video for 2 s/);
  t.notOk(alive(streaming.pid!), 'the hung pipeline was stopped');
  camera.resume();
  const before = h.fragments.length;
  await h.fragmentsUntil((f) => f.length > before, 20000, 'fragments after resume');
  t.ok(h.source.health().restarts >= 1);
});
