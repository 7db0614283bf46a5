// A slow uplink pushes live fragments out of RAM into a gap that is read back from the store. When
// the writer never wrote some of them (disk full, a write error), the read-back cannot send them: the
// uploader says so once for the gap, with its range, counts them, and still delivers everything that
// was recorded, so nothing recorded stays owed.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createLogger } from '../../src/log/index.js';
import { openStore } from '../../src/store/index.js';
import { eventually } from '../helpers/poll.js';
import { makeFragments, quietLog, startCloud, storedStarts, uploader } from './fixtures/cloud.js';

const CAM = 'cam-live-gap';
const NOT_WRITTEN = [10, 11, 12];

t.test(
  'live fragments the store never got: one warning naming the gap, counted, the recorded rest all in KVS',
  async (t) => {
    const cloud = await startCloud(t);
    const frags = await makeFragments(Date.now() - 5 * 60_000, 30);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-test-'));
    const store = await openStore(dir, { log: quietLog, fsyncIntervalMs: 60_000 });
    t.teardown(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    // What the camera runtime does per live fragment: record it (the writer lost three, as on a full
    // disk, and starts a new file after them) and mark it owed to KVS.
    const first = store.writer(CAM);
    for (const f of frags.slice(0, NOT_WRITTEN[0])) first.append(f);
    await first.close();
    const second = store.writer(CAM);
    for (const f of frags.slice(NOT_WRITTEN.at(-1)! + 1)) second.append(f);
    await second.flush();
    for (const f of frags) store.intend(CAM, f, 'live');

    const lines: {
      level: number;
      msg: string;
      fromStartMs?: number;
      toStartMs?: number;
      fragments?: number;
    }[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (l) => lines.push(JSON.parse(l)) } });
    // The uplink is down while the fragments arrive, so all but four leave RAM.
    cloud.kvs.faults.refuseConnections({ status: 500, errorType: 'InternalFailure', times: Infinity });
    const u = uploader(t, cloud, 'live-gap-1', store, CAM, {
      log,
      liveQueue: { maxFragments: 4 },
      reader: { read: (s, e) => store.read(CAM, s, e) },
      ledger: {
        covers: (s, e) => store.ledger.isPersisted(CAM, s, e),
        add: (r) => store.ledger.add(CAM, r.startMs, r.endMs),
      },
    });
    let failures = 0;
    u.on('failure', () => failures++);
    u.setLive(true);
    for (const f of frags) u.pushLive(f);
    await eventually('a refused attempt', () => failures >= 1);
    cloud.kvs.faults.clear();

    const recorded = frags.filter((_, i) => !NOT_WRITTEN.includes(i)).map((f) => f.startMs);
    await eventually(
      'the recorded fragments in KVS',
      () => storedStarts(cloud.kvs, 'live-gap-1').length >= 27,
    );
    t.same(storedStarts(cloud.kvs, 'live-gap-1'), recorded, 'every recorded fragment once, in order');
    await eventually('the backfill of the gap has finished', () => u.stats().jobs === 0);
    t.equal(u.stats().missingFromStore, NOT_WRITTEN.length, 'the three unwritten fragments are counted');
    const warnings = lines.filter((l) => /not in the recording store/.test(l.msg));
    t.equal(warnings.length, 1, 'one warning for the gap');
    t.ok(
      warnings[0]!.fromStartMs! <= frags[NOT_WRITTEN[0]!]!.startMs &&
        warnings[0]!.toStartMs! >= frags[NOT_WRITTEN.at(-1)!]!.startMs,
      'the warning names a range holding the unwritten fragments',
    );
    t.equal(warnings[0]!.fragments, NOT_WRITTEN.length, 'and how many');
    t.same(store.owed(CAM), [], 'nothing recorded is still owed to KVS');
  },
);
