// A slow uplink: a throttling TCP relay sits between the uploader and the local PutMedia endpoint.
// Live falls behind, RAM stays bounded (older fragments leave the live queue for the store), and
// everything arrives once and in order after the backlog is read back from disk.
import net from 'node:net';
import t from 'tap';
import type { StreamControl } from '../../src/kvs/index.js';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

/** Relays to `target`, passing client->server bytes at `bytesPerSecond` (ACKs flow back freely). */
async function throttlingRelay(
  t: { teardown(fn: () => unknown): void },
  target: URL,
  bytesPerSecond: number,
) {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      client.pause();
      upstream.write(chunk);
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          client.resume();
        },
        (chunk.length / bytesPerSecond) * 1000,
      );
      timers.add(timer);
    });
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const timer of timers) clearTimeout(timer);
    for (const s of sockets) s.destroy();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

t.test('slow uplink: live falls behind, catches up from disk, RAM bounded, nothing lost', async (t) => {
  const cloud = await startCloud(t);
  const frags = await makeFragments(Date.now() - 5 * 60_000, 14);
  const starts = frags.map((f) => f.startMs);
  const store = await recordedStore(t, 'cam-slow', frags);
  const relay = await throttlingRelay(t, new URL(cloud.kvs.endpoint), 150_000);
  const control: StreamControl = { ...cloud.control, getPutMediaEndpoint: async () => relay };
  const u = uploader(t, cloud, 'slow-1', store, 'cam-slow', {
    control,
    liveQueue: { maxFragments: 3 },
    maxInFlightBytes: 2 * frags[0]!.bytes.length,
  });
  const origins: string[] = [];
  u.on('persisted', (e) => origins.push(e.origin));
  u.setLive(true);
  let maxQueued = 0;
  for (const f of frags) {
    u.pushLive(f);
    maxQueued = Math.max(maxQueued, u.stats().liveQueueBytes);
  }
  t.ok(
    maxQueued <= 3 * Math.max(...frags.map((f) => f.bytes.length)),
    `live queue RAM bounded (${maxQueued} bytes)`,
  );
  await eventually(
    'all fragments through the slow link',
    () => storedStarts(cloud.kvs, 'slow-1').length >= frags.length,
    30_000,
  );
  t.same(storedStarts(cloud.kvs, 'slow-1'), starts, 'every fragment once, in order');
  t.ok(u.stats().droppedToDisk > 0, 'part of the backlog was read back from the store');
  t.ok(origins.includes('backfill') && origins.includes('live'), 'both RAM and disk fed the live session');
});
