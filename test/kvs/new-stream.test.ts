// A camera whose KVS stream does not exist yet: its first fragments must reach KVS without loss while
// the stream is CREATING. The local KVS answers PutMedia on a CREATING stream as the real service
// does (404 ResourceNotFoundException, "not found or not active"; docs/localcloud-kvs.md).
import t from 'tap';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { UploaderEvents } from '../../src/kvs/index.js';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

// Long enough that the first fragments are pushed while the stream is still CREATING.
const ACTIVATION_MS = 1_500;

t.test('a stream the uploader creates: live fragments pushed at once all reach KVS, once each', async (t) => {
  const cloud = await startCloud(t, { streamActivationDelayMs: ACTIVATION_MS });
  const fragments = await makeFragments(Date.now() - 20_000, 8);
  const store = await recordedStore(t, 'cam-new', fragments);
  const u = uploader(t, cloud, 'new-1', store, 'cam-new');
  u.setLive(true);
  for (const f of fragments) u.pushLive(f);
  await eventually('the stream exists', () => cloud.kvs.stream('new-1'));
  t.equal(cloud.kvs.stream('new-1')?.Status, 'CREATING', 'the fragments wait on a CREATING stream');

  await eventually('every fragment in KVS', () =>
    storedStarts(cloud.kvs, 'new-1').length >= fragments.length ? true : undefined,
  );
  t.same(
    storedStarts(cloud.kvs, 'new-1'),
    fragments.map((f) => f.startMs),
    'every fragment once, in order',
  );
});

t.test(
  'a stream someone else just created: the 404 "not active" PutMedia answer is retried until ACTIVE, nothing lost',
  async (t) => {
    const cloud = await startCloud(t, { streamActivationDelayMs: ACTIVATION_MS });
    const client = new KinesisVideoClient({
      region: 'us-east-1',
      endpoint: cloud.kvs.endpoint,
      credentials: cloud.provider,
    });
    t.teardown(() => client.destroy());
    await client.send(new CreateStreamCommand({ StreamName: 'new-2', DataRetentionInHours: 24 }));
    const fragments = await makeFragments(Date.now() - 20_000, 8);
    const store = await recordedStore(t, 'cam-new2', fragments);
    // provision: false is the uploader of a stream it must not create: it goes straight to PutMedia,
    // as the official producer does after CreateStream.
    const u = uploader(t, cloud, 'new-2', store, 'cam-new2', { provision: false });
    const failures: UploaderEvents['failure'][0][] = [];
    u.on('failure', (e) => failures.push(e));
    u.setLive(true);
    for (const f of fragments) u.pushLive(f);

    await eventually('every fragment in KVS', () =>
      storedStarts(cloud.kvs, 'new-2').length >= fragments.length ? true : undefined,
    );
    t.ok(
      failures.some((f) => /not found or not active/.test(f.reason)),
      'PutMedia was refused while the stream was CREATING',
    );
    t.same(
      storedStarts(cloud.kvs, 'new-2'),
      fragments.map((f) => f.startMs),
      'every fragment once, in order',
    );
  },
);
