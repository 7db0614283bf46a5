// Shared runners (RunnerPool) with real GStreamer and the test camera: cameras share a runner process
// without the password on any command line, one camera's failure ends only its own pipeline, and a
// runner that is killed takes down only its own cameras, which come back on their own.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { RunnerPool } from '../../src/gst/index.js';
import { startTestCamera } from '../helpers/test-camera.js';
import { startSource, type Harness } from './fixtures/harness.js';

const PASSWORD = 'p00l:Secr3t';
const creds = { user: 'viewer', password: PASSWORD };

function pool(t: { teardown(fn: () => unknown): void }, camerasPerRunner: number): RunnerPool {
  const p = new RunnerPool({ camerasPerRunner });
  t.teardown(() => p.close(3000));
  return p;
}

const fragmentsAfter = (h: Harness, at: number, n: number, what: string) =>
  h.fragmentsUntil((f) => f.filter((x) => x.at > at).length >= n, 30_000, what);

t.test('two cameras share one runner; no password in its argv', async (t) => {
  const camera = await startTestCamera(t, { ...creds, gopSeconds: 1 });
  const runners = pool(t, 4);
  const a = startSource(t, { cameraId: 'a', url: camera.url('/cam'), runners });
  const b = startSource(t, { cameraId: 'b', url: camera.url('/cam'), runners });
  await a.fragmentsUntil((f) => f.length >= 2, 30_000, 'fragments from a');
  await b.fragmentsUntil((f) => f.length >= 2, 30_000, 'fragments from b');
  const pids = runners.runnerPids();
  t.equal(pids.length, 1, 'one runner process');
  t.equal(a.source.health().pid, pids[0]);
  t.equal(b.source.health().pid, pids[0]);
  const argv = readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8');
  t.notOk(argv.includes(PASSWORD) || argv.includes(encodeURIComponent(PASSWORD)), 'no password in argv');
  t.ok(a.fragments.every((f) => f.fragment.keyframe && f.fragment.bytes.length > 0));
  await a.source.stop();
  t.equal(a.source.health().state, 'stopped');
  // b keeps recording after a stopped.
  await fragmentsAfter(b, Date.now(), 2, 'b after a stopped');
});

t.test("one camera's failure ends only its pipeline", async (t) => {
  const steady = await startTestCamera(t, { gopSeconds: 1 });
  const flaky = await startTestCamera(t, { gopSeconds: 1 });
  const runners = pool(t, 4);
  const good = startSource(t, { cameraId: 'good', url: steady.url('/cam'), runners });
  const bad = startSource(t, { cameraId: 'bad', url: flaky.url('/cam'), runners });
  await good.fragmentsUntil((f) => f.length >= 1, 30_000, 'fragments from good');
  await bad.fragmentsUntil((f) => f.length >= 1, 30_000, 'fragments from bad');
  const generation = good.fragments.at(-1)!.fragment.header.generation;
  const runner = runners.runnerPids()[0];
  await flaky.stop();
  await bad.until((h) => h.state === 'backing-off', 30_000, 'bad camera backing off');
  const at = Date.now();
  await fragmentsAfter(good, at, 2, 'good keeps recording');
  t.equal(good.fragments.at(-1)!.fragment.header.generation, generation, 'good was never restarted');
  t.same(runners.runnerPids(), [runner], 'the shared runner survived');
});

t.test('a killed runner restarts only its own cameras', async (t) => {
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const runners = pool(t, 2);
  const h = ['a', 'b', 'c'].map((id) => startSource(t, { cameraId: id, url: camera.url('/cam'), runners }));
  for (const x of h)
    await x.fragmentsUntil((f) => f.length >= 1, 30_000, `fragments from ${x.source.cameraId}`);
  t.equal(runners.runnerPids().length, 2, 'three cameras on two runners of two');
  const victim = h[0]!.source.health().pid!;
  const onVictim = h.filter((x) => x.source.health().pid === victim);
  const others = h.filter((x) => x.source.health().pid !== victim);
  t.equal(onVictim.length + others.length, 3);
  const generations = new Map(others.map((x) => [x, x.fragments.at(-1)!.fragment.header.generation]));
  process.kill(victim, 'SIGKILL');
  const at = Date.now();
  for (const x of onVictim) {
    await x.until((s) => s.restarts >= 1 && s.state === 'streaming', 30_000, 'victim camera back');
    await fragmentsAfter(x, at, 1, 'victim camera records again');
  }
  for (const x of others) {
    await fragmentsAfter(x, at, 2, 'other camera keeps recording');
    t.equal(
      x.fragments.at(-1)!.fragment.header.generation,
      generations.get(x),
      'other camera never restarted',
    );
    t.equal(x.source.health().restarts, 0);
  }
  t.notOk(runners.runnerPids().includes(victim));
});

t.test('close() stops every runner and ends the runs', async (t) => {
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const runners = new RunnerPool({ camerasPerRunner: 4 });
  const a = startSource(t, { cameraId: 'a', url: camera.url('/cam'), runners });
  await a.fragmentsUntil((f) => f.length >= 1, 30_000, 'fragments');
  const pid = runners.runnerPids()[0]!;
  await a.source.stop();
  await runners.close(3000);
  t.same(runners.runnerPids(), []);
  t.throws(() => process.kill(pid, 0), 'runner process is gone');
});
