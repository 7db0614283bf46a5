// Retention by age, by size with both strategies, delete-after-upload, and a disk that fills up.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { Fragment } from '../../src/mkv/index.js';
import {
  nodeFiles,
  openStore,
  type DeletionEvent,
  type Store,
  type StoreFiles,
} from '../../src/store/index.js';
import { decodeAll } from '../helpers/media.js';
import { capture, fragmentsOf, ManualClock } from './fixtures.js';

const run = promisify(execFile);
const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const small = await capture(12);
const A = 'cam-a';
const B = 'cam-b';

async function filled(
  root: string,
  clock: ManualClock,
  options = {},
): Promise<{ store: Store; events: DeletionEvent[] }> {
  const store = await openStore(root, { log, segmentDurationSeconds: 3, clock, ...options });
  const events: DeletionEvent[] = [];
  store.events.on('deleted', (e: DeletionEvent) => events.push(e));
  // Camera B runs 1.5 s behind A, so "oldest first across cameras" interleaves them.
  for (const [cam, base] of [
    [A, T0],
    [B, T0 + 1500],
  ] as const) {
    const w = store.writer(cam);
    for (const f of fragmentsOf(small, base)) w.append(f);
    await w.flush();
  }
  return { store, events };
}

t.test('by age: closed files past the camera retention go, the file being written stays', async (t) => {
  const clock = new ManualClock(T0);
  const { store, events } = await filled(t.testdir(), clock);
  store.retention.setCamera(A, { retentionMinutes: 1 });
  const segsA = store.segments(A);
  t.ok(segsA.length >= 3);
  clock.time = segsA[0]!.endMs + 60_000 + 1;
  clock.tick(0);
  const segsB = store.segments(B).map((s) => s.path);
  await store.retention.idle();
  t.same(
    events.map((e) => [e.cameraId, e.startMs, e.reason]),
    [[A, segsA[0]!.startMs, 'age']],
  );
  t.same(events[0], { ...events[0], path: segsA[0]!.path, endMs: segsA[0]!.endMs });
  await t.rejects(fsp.access(segsA[0]!.path), 'deleted from disk');
  t.same(
    store.segments(B).map((s) => s.path),
    segsB,
    'camera B (no age limit) keeps every file',
  );

  clock.tick(24 * 3600_000);
  await store.retention.idle();
  t.same(
    store.segments(A).map((s) => s.writing),
    [true],
    'a day later only the open file is left',
  );
  t.ok(store.segments(B).length >= 3, 'camera B has no age limit');
  await store.close();
  t.equal(clock.timers, 0, 'close() stops the retention timer');
});

t.test('by size, DELETE_OLDEST_MEDIA: oldest first across cameras until under the limit', async (t) => {
  const clock = new ManualClock(T0);
  const { store, events } = await filled(t.testdir(), clock);
  const total = store.health().totalBytes;
  const closed = [...store.segments(A), ...store.segments(B)].filter((s) => !s.writing);
  const byAge = [...closed].sort((a, b) => a.startMs - b.startMs);
  store.retention.setLimits({ maxTotalBytes: Math.floor(total * 0.6) });
  await store.retention.run();
  t.ok(events.length >= 2);
  t.same(
    events.map((e) => e.path),
    byAge.slice(0, events.length).map((s) => s.path),
    'deleted in start-time order over both cameras',
  );
  t.ok(new Set(events.map((e) => e.cameraId)).size === 2, 'both cameras gave up files');
  t.ok(events.every((e) => e.reason === 'size'));
  t.ok(store.health().totalBytes <= total * 0.6);
  t.notOk(store.health().denied);

  // Writes that cross the limit trigger a pass by themselves.
  events.length = 0;
  const w = store.writer(A);
  for (const f of fragmentsOf(small, T0 + 60_000)) w.append(f);
  await w.flush();
  await store.retention.idle();
  t.ok(events.length > 0, 'retention ran after writes');
  await store.close();
});

t.test('by size, DENY_NEW_MEDIA: keep everything, stop recording, say so, resume when allowed', async (t) => {
  const clock = new ManualClock(T0);
  const { store, events } = await filled(t.testdir(), clock, { strategyOnFullSize: 'DENY_NEW_MEDIA' });
  const total = store.health().totalBytes;
  const files = store.segments(A).length + store.segments(B).length;
  store.retention.setLimits({ maxTotalBytes: total - 1 });
  await store.retention.run();
  t.same(events, [], 'nothing deleted');
  const health = store.health();
  t.ok(health.denied);
  t.match(health.reason, /MaxLocalMediaSizeInMB/);
  const later = fragmentsOf(small, T0 + 60_000);
  t.equal(store.writer(A).append(later[0]!), 'dropped-denied');
  await store.writer(A).flush();
  t.equal(store.segments(A).length + store.segments(B).length, files, 'no new file');
  t.ok(store.health().writers[A]!.droppedFragments >= 1);

  store.retention.setLimits({ maxTotalBytes: total * 10 });
  await store.retention.run();
  t.notOk(store.health().denied);
  t.equal(store.writer(A).append(later[1]!), 'queued');
  await store.writer(A).flush();
  t.equal(store.segments(A).at(-1)?.startMs, later[1]!.startMs, 'recording resumed in a new file');
  await store.close();
});

const bytesOf = (store: Store, cam: string) => store.segments(cam).reduce((n, s) => n + s.bytes, 0);

t.test("a camera's own cap, DELETE_OLDEST_MEDIA: only that camera's oldest closed files go", async (t) => {
  const clock = new ManualClock(T0);
  const { store, events } = await filled(t.testdir(), clock);
  const segsA = store.segments(A);
  const segsB = store.segments(B);
  const cap = Math.floor(bytesOf(store, A) * 0.5);
  // Setting a lower cap starts a pass at once.
  store.retention.setCamera(A, { maxBytes: cap });
  await store.retention.idle();
  t.ok(events.length >= 1);
  t.same(
    events.map((e) => [e.path, e.reason]),
    segsA.slice(0, events.length).map((s) => [s.path, 'size']),
    "camera A's files, oldest first",
  );
  t.ok(bytesOf(store, A) <= cap, 'camera A is under its cap');
  t.same(store.segments(B), segsB, 'camera B is untouched');
  t.notOk(store.health().denied);
  t.notOk(store.health().deniedCameras);
  for (const e of events) await t.rejects(fsp.access(e.path), 'deleted from disk');

  // Writes that cross the camera's cap trigger a pass by themselves.
  events.length = 0;
  const w = store.writer(A);
  for (const f of fragmentsOf(small, T0 + 60_000)) w.append(f);
  await w.flush();
  await store.retention.idle();
  t.ok(events.length > 0, 'retention ran after writes');
  t.ok(
    events.every((e) => e.cameraId === A && e.reason === 'size'),
    'still only camera A',
  );
  t.same(store.segments(B), segsB);
  await store.close();
});

t.test("a camera's own cap, DENY_NEW_MEDIA: that camera stops, the other records, both resume", async (t) => {
  const clock = new ManualClock(T0);
  const { store, events } = await filled(t.testdir(), clock, { strategyOnFullSize: 'DENY_NEW_MEDIA' });
  const filesA = store.segments(A).length;
  store.retention.setCamera(A, { maxBytes: bytesOf(store, A) - 1 });
  await store.retention.idle();
  t.same(events, [], 'nothing deleted');
  const health = store.health();
  t.notOk(health.denied, 'the store as a whole is not denied');
  t.same(Object.keys(health.deniedCameras ?? {}), [A], 'health names the camera');
  t.match(health.deniedCameras?.[A], new RegExp(`camera ${A} .*MaxLocalMediaSizeInMB`));
  const laterA = fragmentsOf(small, T0 + 60_000);
  const laterB = fragmentsOf(small, T0 + 61_500);
  t.equal(store.writer(A).append(laterA[0]!), 'dropped-denied');
  t.equal(store.writer(B).append(laterB[0]!), 'queued', 'camera B still records');
  await store.writer(A).flush();
  await store.writer(B).flush();
  t.equal(store.segments(A).length, filesA, 'no new file for camera A');
  t.equal(store.segments(B).at(-1)?.endMs, laterB[0]!.endMs, 'camera B wrote its fragment');

  // A pass re-checks: still over, still denied; a raised cap lets the camera record at once.
  await store.retention.run();
  t.ok(store.health().deniedCameras?.[A]);
  store.retention.setCamera(A, { maxBytes: bytesOf(store, A) * 10 });
  t.notOk(store.health().deniedCameras, 'no camera is denied');
  t.equal(store.writer(A).append(laterA[1]!), 'queued');
  await store.writer(A).flush();
  t.equal(store.segments(A).at(-1)?.startMs, laterA[1]!.startMs, 'recording resumed in a new file');

  // Crossing the cap again by writing denies it again, by the pass the write starts.
  store.retention.setCamera(A, { maxBytes: bytesOf(store, A) + 1 });
  for (const f of laterA.slice(2)) store.writer(A).append(f);
  await store.writer(A).flush();
  await store.retention.idle();
  t.ok(store.health().deniedCameras?.[A], 'denied again after its writes crossed the cap');
  store.retention.setCamera(A, {});
  t.notOk(store.health().deniedCameras, 'removing the cap lifts the denial');
  t.same(events, [], 'DENY_NEW_MEDIA never deleted anything');
  await store.close();
});

t.test('DeleteAfterUpload: a closed file goes once its whole range is persisted', async (t) => {
  const clock = new ManualClock(T0);
  const root = t.testdir();
  const { store, events } = await filled(root, clock);
  store.retention.setCamera(A, { deleteAfterUpload: true });
  const [first, second] = store.segments(A);
  store.ledger.add(A, first!.startMs, first!.endMs);
  store.ledger.add(A, second!.startMs, second!.endMs - 500); // not all of it
  store.ledger.add(B, 0, Number.MAX_SAFE_INTEGER); // B does not delete after upload
  await store.retention.run();
  t.same(
    events.map((e) => [e.path, e.reason]),
    [[first!.path, 'uploaded']],
  );
  await store.close();

  // The AWS component's _uploaded rename counts as uploaded.
  const renamed = second!.path.replace(/\.mkv$/, '_uploaded.mkv');
  await fsp.rename(second!.path, renamed);
  const again = await openStore(root, { log, clock });
  const rebuilt = again.segments(A).find((s) => s.path === renamed)!;
  t.ok(rebuilt.uploadedByName);
  t.ok(again.ledger.isPersisted(A, rebuilt.startMs, rebuilt.endMs));
  const seen: DeletionEvent[] = [];
  again.events.on('deleted', (e: DeletionEvent) => seen.push(e));
  again.retention.setCamera(A, { deleteAfterUpload: true });
  await again.retention.run();
  t.same(
    seen.map((e) => [e.path, e.reason]),
    [[renamed, 'uploaded']],
  );
  await again.close();
});

// A real 2 MB tmpfs when this process may mount one (root in CI containers); otherwise a folder whose
// StoreFiles layer throws ENOSPC past the same byte budget.
async function smallDisk(
  t: { teardown(fn: () => unknown): void },
  bytes: number,
): Promise<{ root: string; files?: StoreFiles; kind: string }> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'store-disk-'));
  t.teardown(async () => {
    await run('umount', [root]).catch(() => undefined);
    await fsp.rm(root, { recursive: true, force: true });
  });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', root]);
    return { root, kind: 'tmpfs' };
  } catch {
    return { root, files: budgetFiles(bytes), kind: 'budget' };
  }
}

function budgetFiles(budget: number): StoreFiles {
  const sizes = new Map<string, number>();
  const used = () => [...sizes.values()].reduce((a, b) => a + b, 0);
  const full = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  return {
    ...nodeFiles,
    async create(file) {
      const inner = await nodeFiles.create(file);
      sizes.set(file, 0);
      return {
        ...inner,
        async write(data, position) {
          const size = Math.max(sizes.get(file) ?? 0, position + data.length);
          if (used() - (sizes.get(file) ?? 0) + size > budget) throw full();
          await inner.write(data, position);
          sizes.set(file, size);
        },
        async truncate(length) {
          await inner.truncate(length);
          sizes.set(file, length);
        },
      };
    },
    async unlink(file) {
      await nodeFiles.unlink(file);
      sizes.delete(file);
    },
    async rename(from, to) {
      await nodeFiles.rename(from, to);
      sizes.set(to, sizes.get(from) ?? 0);
      sizes.delete(from);
    },
  };
}

t.test('disk full: delete oldest and continue; both cameras keep recording; no crash', async (t) => {
  const disk = await smallDisk(t, 2 * 1024 * 1024);
  t.comment(`small disk: ${disk.kind}`);
  const big = await capture(12, 1500); // ~2.2 MB per camera: together they cannot fit
  const clock = new ManualClock(T0);
  const store = await openStore(disk.root, {
    log,
    segmentDurationSeconds: 2,
    clock,
    ...(disk.files ? { files: disk.files } : {}),
  });
  const events: DeletionEvent[] = [];
  store.events.on('deleted', (e: DeletionEvent) => events.push(e));
  const last: Record<string, Fragment> = {};
  for (const [cam, base] of [
    [A, T0],
    [B, T0 + 500],
  ] as const) {
    const frags = fragmentsOf(big, base);
    last[cam] = frags.at(-1)!;
    for (const f of frags) store.writer(cam).append(f);
  }
  await store.writer(A).flush();
  await store.writer(B).flush();
  t.ok(
    events.some((e) => e.reason === 'disk-full'),
    `deleted ${events.length} files to make room`,
  );
  for (const cam of [A, B]) {
    t.equal(store.segments(cam).at(-1)?.endMs, last[cam]!.endMs, `${cam} recorded up to its last fragment`);
  }
  await store.close();
  for (const cam of [A, B]) for (const s of store.segments(cam)) await decodeAll(s.path);
  const names = await fsp.readdir(path.join(disk.root, A));
  t.ok(names.length > 0);
});
