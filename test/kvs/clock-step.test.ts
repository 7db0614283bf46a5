// The fragment the fault suite lost once (error-ACK scenario, first full run): after an injected
// ERROR 5000 the resent fragments went out again and KVS answered 4004 for the next one, which was
// skipped. The 5000 was not the cause: the camera's clock had stepped back inside that fragment
// (frames at 10591 ms, then 9648 ms ... 10237 ms, then 10501 ms), so it held frames from before the
// end of the fragment ahead of it, which KVS refuses. This replays that stream, made from real H.264
// fragments, through the component's Fragmenter and the real uploader against the local KVS.
import t from 'tap';
import {
  buildCluster,
  children,
  ID,
  readSimpleBlock,
  type BlockRef,
  type Fragment,
} from '../../src/mkv/index.js';
import type { UploaderEvents } from '../../src/kvs/index.js';
import { fragmentsOf } from '../helpers/media.js';
import { eventually } from '../helpers/poll.js';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';

const CAM = 'cam-clock-step';

/** The blocks of one of our fragments with their absolute times. */
function blocks(f: Fragment): BlockRef[] {
  const top = [...children(f.bytes.subarray(12))];
  const tc = Number(top.find((c) => c.id === ID.Timecode)!.data.readBigUInt64BE(0));
  return top
    .filter((c) => c.id === ID.SimpleBlock)
    .map((c) => {
      const b = readSimpleBlock(c.data);
      return { ...b, ticks: tc + b.relative, timeMs: tc + b.relative };
    });
}

/** A camera capture whose clock steps back 700 ms for four frames inside the GOP at index `at`. */
function steppedCapture(source: Fragment[], at: number): Buffer {
  const clusters = source.map((f, i) => {
    const bs = blocks(f);
    if (i === at) for (const b of bs.slice(3, 7)) b.timeMs -= 700;
    return buildCluster(f.startMs, bs);
  });
  return Buffer.concat([source[0]!.header.bytes, ...clusters]);
}

t.test(
  'a camera clock stepping back after an ERROR 5000: every fragment reaches KVS once, none skipped (4004)',
  async (t) => {
    const cloud = await startCloud(t);
    const source = await makeFragments(Date.now() - 60_000, 8);
    const frags = fragmentsOf(steppedCapture(source, 4), 0);
    t.equal(frags.length, source.length, 'the stepped capture still cuts into one fragment per GOP');
    const store = await recordedStore(t, CAM, frags);
    const stream = 'clock-step-1';
    // As in the fault scenario: the session after the first accepted fragment gets ERROR 5000.
    cloud.kvs.faults.errorAck({ errorId: 5000, afterFragments: 1 });
    const u = uploader(t, cloud, stream, store, CAM);
    const skipped: UploaderEvents['skipped'][0][] = [];
    const failures: string[] = [];
    u.on('skipped', (e) => skipped.push(e));
    u.on('failure', (e) => failures.push(e.reason));
    u.setLive(true);
    for (const f of frags) u.pushLive(f);
    const starts = frags.map((f) => f.startMs);
    await eventually(
      'every fragment stored or skipped',
      () => storedStarts(cloud.kvs, stream).length + skipped.length >= frags.length,
    );
    t.equal(failures.length, 1, 'one failure');
    t.match(failures[0], /5000 INTERNAL_ERROR/, 'the injected 5000');
    t.same(skipped, [], 'nothing skipped');
    t.same(storedStarts(cloud.kvs, stream), starts, 'every fragment in KVS exactly once');
  },
);
