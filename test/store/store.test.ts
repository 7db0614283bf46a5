// Writing, rotating, indexing, reading back and rebuilding after a restart, on real H.264 fragments.
import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Fragment } from '../../src/mkv/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { decodeAll, ffprobe } from '../helpers/media.js';
import { capture, fragmentsOf, ManualClock } from './fixtures.js';

const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const CAM = 'cam-0001';
const bytes = await capture(16);
const frags = fragmentsOf(bytes, T0);

async function collect(it: AsyncIterable<Fragment>): Promise<Fragment[]> {
  const out: Fragment[] = [];
  for await (const f of it) out.push(f);
  return out;
}

async function open(root: string, clock = new ManualClock(T0)): Promise<Store> {
  return openStore(root, { log, segmentDurationSeconds: 5, clock });
}

t.test('the fixture is what the tests assume: ~1 s fragments starting at T0', async (t) => {
  t.ok(frags.length >= 14, `${frags.length} fragments`);
  t.equal(frags[0]?.startMs, T0);
  for (const f of frags.slice(0, -1)) t.ok(f.endMs - f.startMs >= 900 && f.endMs - f.startMs <= 1100);
});

t.test('rotation at fragment boundaries, AWS naming, owner-only, valid files with epoch start', async (t) => {
  const root = t.testdir();
  const store = await open(root);
  const w = store.writer(CAM);
  for (const f of frags) t.equal(w.append(f), 'queued');
  await w.close();

  const segs = store.segments(CAM);
  const names = (await fsp.readdir(path.join(root, CAM))).sort();
  t.same(
    names,
    segs.map((s) => path.basename(s.path)),
  );
  t.ok(segs.length >= 3, `${segs.length} files`);
  for (const s of segs) {
    t.equal(path.basename(s.path), `video_${s.startMs}.mkv`);
    t.ok(
      frags.some((f) => f.startMs === s.startMs),
      'every file starts on a fragment boundary',
    );
    t.ok(s.endMs - s.startMs >= 5000 || s === segs[segs.length - 1], 'rotated only after 5 s');
    t.ok(s.endMs - s.startMs < 7000, 'and at the first boundary after it');
    t.notOk(s.writing);
    t.equal((await fsp.stat(s.path)).mode & 0o777, 0o600);
    t.equal((await fsp.stat(s.path)).size, s.bytes);
  }
  t.equal((await fsp.stat(path.join(root, CAM))).mode & 0o777, 0o700);
  t.equal(segs[segs.length - 1]?.endMs, frags[frags.length - 1]?.endMs);

  const first = segs[0]!;
  const probe = await ffprobe(first.path);
  t.equal(probe.streams[0]?.codec_name, 'h264');
  t.equal(Number(probe.format.start_time), T0 / 1000, 'start time is the epoch time of the first frame');
  for (const s of segs) await decodeAll(s.path);
  await store.close();
});

t.test('a new header generation starts a new file', async (t) => {
  const root = t.testdir();
  const store = await open(root);
  const w = store.writer(CAM);
  const f0 = frags[0]!;
  const f1 = frags[1]!;
  w.append(f0);
  w.append({ ...f1, header: { ...f1.header, generation: f1.header.generation + 1 } });
  await w.close();
  t.same(
    store.segments(CAM).map((s) => s.startMs),
    [f0.startMs, f1.startMs],
  );
  await store.close();
});

t.test('reads at every edge, including the file still being written', async (t) => {
  const root = t.testdir();
  const store = await open(root);
  const w = store.writer(CAM);
  // A hole longer than the 2 s gap tolerance: fragments 7, 8 and 9 never arrive.
  const written = frags.filter((_, i) => i < 7 || i > 9);
  for (const f of written) w.append(f);
  await w.flush();
  const segs = store.segments(CAM);
  const live = segs[segs.length - 1]!;
  t.ok(live.writing, 'the last file is still open');
  const f = (i: number) => frags[i]!;

  const times = async (a: number, b: number) => (await collect(store.read(CAM, a, b))).map((x) => x.startMs);

  // Start inside a file (not at its start) and end inside the file being written.
  const a = f(2).startMs + 300;
  const b = frags[frags.length - 1]!.startMs + 200;
  t.same(
    await times(a, b),
    written.filter((x) => x.endMs > a && x.startMs < b).map((x) => x.startMs),
  );
  t.same(await times(f(3).endMs, f(4).endMs), [f(4).startMs], 'start == end of a fragment excludes it');
  t.same(await times(f(7).startMs + 10, f(9).endMs - 10), [], 'inside the hole: nothing');
  t.same(await times(f(6).startMs, f(10).endMs), [f(6).startMs, f(10).startMs], 'across the hole');
  t.same(await times(T0 - 10_000, T0), [], 'before everything');
  const all = await collect(store.read(CAM, 0, Number.MAX_SAFE_INTEGER));
  t.same(
    all.map((x) => x.bytes),
    written.map((x) => x.bytes),
    'bytes come back unchanged',
  );
  t.equal(new Set(all.map((x) => x.header.generation)).size, 1, 'one header, one generation');

  t.same(store.recorded(CAM), [
    { startMs: f(0).startMs, endMs: f(6).endMs },
    { startMs: f(10).startMs, endMs: frags[frags.length - 1]!.endMs },
  ]);
  t.ok(store.recorded(CAM)[1]!.startMs - store.recorded(CAM)[0]!.endMs > 2000, 'the hole is a real gap');

  store.ledger.add(CAM, f(0).startMs, f(3).endMs);
  t.same(store.notUploaded(CAM)[0], { startMs: f(4).startMs, endMs: f(6).endMs });
  await store.close();
});

t.test('a read under way follows the file being written', async (t) => {
  const store = await open(t.testdir());
  const w = store.writer(CAM);
  w.append(frags[0]!);
  w.append(frags[1]!);
  await w.flush();
  const it = store.read(CAM, 0, Number.MAX_SAFE_INTEGER)[Symbol.asyncIterator]();
  const first = await it.next();
  t.equal(first.value?.startMs, frags[0]!.startMs);
  w.append(frags[2]!);
  w.append(frags[3]!);
  await w.flush();
  const rest: number[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value.startMs);
  t.same(rest, [frags[1]!.startMs, frags[2]!.startMs, frags[3]!.startMs]);
  await store.close();
});

t.test('restart: the index is rebuilt from the folder and reads the same', async (t) => {
  const root = t.testdir();
  const first = await open(root);
  const w = first.writer(CAM);
  for (const f of frags) w.append(f);
  await w.flush();
  first.ledger.add(CAM, frags[0]!.startMs, frags[3]!.endMs);
  const before = first.segments(CAM);
  const readBefore = await collect(first.read(CAM, 0, Number.MAX_SAFE_INTEGER));
  await first.close();

  const second = await open(root);
  const after = second.segments(CAM);
  t.same(
    after.map((s) => [s.path, s.startMs, s.bytes, s.writing]),
    before.map((s) => [s.path, s.startMs, s.bytes, false]),
  );
  // The scan estimates a file's end from the last frame's duration; the fragmenter rounds the same way
  // give or take a millisecond.
  for (let i = 0; i < after.length; i++) t.ok(Math.abs(after[i]!.endMs - before[i]!.endMs) <= 2);
  t.same(second.cameras(), [CAM]);
  const readAfter = await collect(second.read(CAM, 0, Number.MAX_SAFE_INTEGER));
  t.same(
    readAfter.map((f) => [f.startMs, f.bytes]),
    readBefore.map((f) => [f.startMs, f.bytes]),
  );
  t.ok(second.ledger.isPersisted(CAM, frags[0]!.startMs, frags[3]!.endMs), 'ledger survived');
  // The store keeps writing after a restart, in new files.
  const later = fragmentsOf(bytes, T0 + 60_000).slice(0, 2);
  const w2 = second.writer(CAM);
  for (const f of later) w2.append(f);
  await w2.close();
  t.equal(second.segments(CAM).length, before.length + 1);
  await second.close();
});

t.test('a file cut at random byte offsets is recovered, never deleted, never crashes a reader', async (t) => {
  const root = t.testdir();
  const store = await open(root);
  const w = store.writer(CAM);
  for (const f of frags.slice(0, 5)) w.append(f);
  await w.close();
  const [seg] = store.segments(CAM);
  await store.close();
  const original = await fsp.readFile(seg!.path);
  const headerLen = frags[0]!.header.bytes.length;
  // Deterministic "random" cuts: header, mid-cluster, exact boundaries, one byte short of the end.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const cuts = [1, headerLen - 1, headerLen, headerLen + 5, original.length - 1];
  for (let i = 0; i < 10; i++) cuts.push(Math.floor(rand() * original.length));
  for (const cut of cuts) {
    const dir = path.join(root, `cut${cut}`);
    await fsp.mkdir(path.join(dir, CAM), { recursive: true });
    const file = path.join(dir, CAM, path.basename(seg!.path));
    await fsp.writeFile(file, original.subarray(0, cut));
    const s = await open(dir);
    const got = await collect(s.read(CAM, 0, Number.MAX_SAFE_INTEGER));
    // Every fragment wholly before the cut is back, byte for byte.
    let end = headerLen;
    const complete = frags.slice(0, 5).filter((f) => (end += f.bytes.length) <= cut);
    t.ok(got.length >= complete.length, `cut ${cut}: ${got.length} >= ${complete.length} fragments`);
    for (let i = 0; i < complete.length; i++) t.ok(got[i]?.bytes.equals(complete[i]!.bytes));
    await fsp.access(file); // still there
    const size = (await fsp.stat(file)).size;
    t.ok(size <= cut);
    if (got.length > 0) {
      t.equal(s.segments(CAM)[0]?.bytes, size, 'index and disk agree');
      await decodeAll(file);
    }
    await s.close();
  }
});
