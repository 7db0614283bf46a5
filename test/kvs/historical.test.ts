import t from 'tap';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

const CAM = 'cam-hist';

t.test(
  'a historical range is covered exactly, with original timestamps, and the ledger skips it next time',
  async (t) => {
    const cloud = await startCloud(t);
    const base = Date.now() - 10 * 60_000;
    const frags = await makeFragments(base, 20);
    const store = await recordedStore(t, CAM, frags);
    const u = uploader(t, cloud, 'hist-1', store, CAM);
    const persisted: number[] = [];
    u.on('persisted', (e) => persisted.push(e.startMs));
    // From the middle of fragment 3 to the middle of fragment 12: fragments 3..12 overlap it.
    const from = frags[3]!.startMs + 300;
    const to = frags[12]!.startMs + 300;
    const job = u.uploadRange(from, to);
    const progress: number[] = [];
    job.on('progress', (p) => progress.push(p.percent));
    t.equal(await job.done, 'completed');
    const want = frags.slice(3, 13).map((f) => f.startMs);
    t.same(
      storedStarts(cloud.kvs, 'hist-1'),
      want,
      'KVS holds exactly the overlapping fragments, original timestamps',
    );
    t.same(persisted, want);
    t.equal(progress.at(-1), 100);
    t.equal(job.progress.fragments, 10);
    t.ok(job.progress.bytes > 0);
    const s = cloud.kvs.stream('hist-1');
    t.equal(s?.DataRetentionInHours, 24, 'created with the configured retention');
    t.equal(s?.MediaType, 'video/h264');
    t.same(s?.Tags, { component: 'kvs-edge-connector' });

    const again = u.uploadRange(frags[0]!.startMs, frags[15]!.startMs);
    t.equal(await again.done, 'completed');
    t.equal(again.progress.alreadyPersisted, 10, 'ledger says 10 were already persisted');
    t.same(
      storedStarts(cloud.kvs, 'hist-1'),
      frags.slice(0, 15).map((f) => f.startMs),
      'no duplicates, no gaps',
    );
  },
);

t.test(
  'a historical range reaching into the live window leaves the live part to live: no duplicates',
  async (t) => {
    const cloud = await startCloud(t);
    const frags = await makeFragments(Date.now() - 5 * 60_000, 10);
    const store = await recordedStore(t, 'cam-overlap', frags);
    const u = uploader(t, cloud, 'overlap-1', store, 'cam-overlap', { liveQueue: { maxFragments: 64 } });
    u.setLive(true);
    for (const f of frags.slice(5)) u.pushLive(f);
    const job = u.uploadRange(frags[0]!.startMs, frags[9]!.endMs);
    t.equal(await job.done, 'completed');
    await eventually('live part uploaded', () => storedStarts(cloud.kvs, 'overlap-1').length >= 10);
    t.same(
      storedStarts(cloud.kvs, 'overlap-1'),
      frags.map((f) => f.startMs),
      'each fragment exactly once',
    );
  },
);
