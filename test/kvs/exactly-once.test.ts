// Exactly once after an interrupted session: fragments KVS stored but never acknowledged (ACKs held,
// then the connection cut) are found with ListFragments by producer timestamp and not sent again;
// when ListFragments is refused for good they are resent unverified, counted, and the cause is logged.
import t, { type Test } from 'tap';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

const CAM = 'cam-once';

async function interrupted(t: Test, stream: string, listFragmentsDenied: boolean) {
  const cloud = await startCloud(t);
  const frags = await makeFragments(Date.now() - 5 * 60_000, 10);
  const store = await recordedStore(t, CAM, frags);
  const starts = frags.map((f) => f.startMs);
  if (listFragmentsDenied)
    cloud.kvs.faults.failOperation('ListFragments', {
      status: 403,
      errorType: 'AccessDeniedException',
      times: Infinity,
    });
  cloud.kvs.faults.holdAcks();
  const u = uploader(t, cloud, stream, store, CAM);
  const job = u.uploadRange(starts[0]!, starts.at(-1)! + 1);
  await eventually(
    'KVS stored fragments it has not acknowledged',
    () => cloud.kvs.listFragments(stream).length >= 4,
  );
  const heldBeforeCut = cloud.kvs.listFragments(stream).length;
  // The uploader may already have given up on the silent connection (its ACK timeout); cut it if not.
  cloud.kvs.cutPutMedia(stream);
  cloud.kvs.faults.releaseAcks();
  t.equal(await job.done, 'completed', 'the range completes');
  return { cloud, starts, heldBeforeCut, stats: u.stats().delivery };
}

t.test('ACKs held, then the connection cut: what KVS holds is not sent again', async (t) => {
  const { cloud, starts, heldBeforeCut, stats } = await interrupted(t, 'once-1', false);
  t.same(storedStarts(cloud.kvs, 'once-1'), starts, 'KVS holds every fragment exactly once');
  t.ok(stats.foundHeld >= heldBeforeCut, `the ${heldBeforeCut} unacknowledged fragments were found held`);
  t.equal(stats.resentUnverified, 0, 'nothing was resent without asking');
  t.ok(stats.checks >= 1, 'ListFragments was asked');
});

t.test('ListFragments refused for good: resent unverified and counted', async (t) => {
  const { cloud, starts, stats } = await interrupted(t, 'once-2', true);
  const stored = storedStarts(cloud.kvs, 'once-2');
  t.same([...new Set(stored)], starts, 'every fragment reached KVS');
  t.ok(
    stats.resentUnverified > 0,
    `the unacknowledged fragments were resent unverified (${stats.resentUnverified})`,
  );
  t.ok(
    stored.length - starts.length <= stats.resentUnverified,
    `duplicates (${stored.length - starts.length}) only among the fragments resent unverified`,
  );
  t.ok(stats.failures > 0, 'the refusals are counted');
});
