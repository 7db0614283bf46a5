// Shared setup for the kvs tests: the local cloud's KVS service with a token exchange service in
// front of it (the production credential path), real H.264 fragments made once by gst-launch and
// the mkv Fragmenter, and a real recording store holding them.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { createLogger, type Logger } from '../../src/log/index.js';
import { Fragmenter, type Fragment } from '../../src/mkv/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startKvsService, type KvsService, type KvsServiceOptions } from '../../src/localcloud/kvs/index.js';
import {
  CredentialAuthority,
  startTokenExchangeService,
  type TokenExchangeService,
} from '../../src/localcloud/tes/index.js';
import {
  CachedCredentials,
  rangesCover,
  sdkStreamControl,
  StreamUploader,
  type FragmentReader,
  type UploaderOptions,
  type UploadLedger,
} from '../../src/kvs/index.js';

type T = { teardown(fn: () => unknown): void };

export const quietLog: Logger = createLogger({ level: (process.env.KVS_TEST_LOG as 'debug') ?? 'silent' });

/** KVS + TES on loopback; process env points the SDK's default chain at the TES. */
export async function startCloud(
  t: T,
  kvsOptions: Partial<KvsServiceOptions> = {},
  sessionLifetimeMs?: number,
) {
  const authority = new CredentialAuthority(sessionLifetimeMs ? { sessionLifetimeMs } : {});
  const tes: TokenExchangeService = await startTokenExchangeService({ authority });
  const kvs: KvsService = await startKvsService({
    credentials: authority,
    streamActivationDelayMs: 20,
    ...kvsOptions,
  });
  t.teardown(async () => {
    await kvs.stop();
    await tes.stop();
  });
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete process.env[k];
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = tes.credentialsUri;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = tes.authToken;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const provider = fromNodeProviderChain();
  const client = new KinesisVideoClient({
    region: 'us-east-1',
    endpoint: kvs.endpoint,
    credentials: provider,
  });
  t.teardown(() => client.destroy());
  return { kvs, tes, authority, provider, control: sdkStreamControl(client) };
}

const raw = new Map<number, Promise<Buffer>>();

/** ~`seconds` of H.264 (width x 3/4 width) with a 1 s GOP as streamable Matroska, encoded once per width. */
function encoded(seconds: number, width: number): Promise<Buffer> {
  const cached = raw.get(width);
  if (cached) return cached;
  const p = new Promise<Buffer>((resolve, reject) => {
    const gst = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        `num-buffers=${seconds * 10}`,
        '!',
        `video/x-raw,width=${width},height=${(width * 3) / 4},framerate=10/1`,
        '!',
        'x264enc',
        'key-int-max=10',
        'speed-preset=ultrafast',
        'tune=zerolatency',
        'bitrate=300',
        '!',
        'h264parse',
        '!',
        'matroskamux',
        'streamable=true',
        '!',
        'fdsink',
        'fd=1',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const chunks: Buffer[] = [];
    gst.stdout.on('data', (c: Buffer) => chunks.push(c));
    gst.on('error', reject);
    gst.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`gst-launch exited ${code}`)),
    );
  });
  raw.set(width, p);
  return p;
}

let generation = 1000;

/** Real fragments (1 s each) whose first frame is at epochBaseMs. */
export async function makeFragments(epochBaseMs: number, seconds = 60, width = 320): Promise<Fragment[]> {
  const bytes = await encoded(Math.max(seconds, 60), width);
  const out: Fragment[] = [];
  const f = new Fragmenter({
    epochBaseMs,
    nextGeneration: () => ++generation,
    onFragment: (x) => out.push(x),
  });
  f.push(bytes);
  f.end();
  return out.slice(0, seconds);
}

/** A real store in a temp folder, with the fragments recorded for `cameraId`. */
export async function recordedStore(t: T, cameraId: string, fragments: Fragment[]): Promise<Store> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-test-'));
  const store = await openStore(dir, { log: quietLog, fsyncIntervalMs: 60_000 });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const w = store.writer(cameraId);
  for (const f of fragments) w.append(f);
  await w.flush();
  return store;
}

/** The store seams for one camera, as the runtime wires them. */
export function seams(store: Store, cameraId: string): { reader: FragmentReader; ledger: UploadLedger } {
  return {
    reader: { read: (s, e) => store.read(cameraId, s, e) },
    ledger: {
      covers: (s, e) => rangesCover(store.ledger.persisted(cameraId), s, e),
      add: (r) => store.ledger.add(cameraId, r.startMs, r.endMs),
    },
  };
}

/** An uploader with test-sized timings; stopped on teardown. */
export function uploader(
  t: T,
  cloud: Awaited<ReturnType<typeof startCloud>>,
  streamName: string,
  store: Store,
  cameraId: string,
  extra: Partial<UploaderOptions> = {},
): StreamUploader {
  const u = new StreamUploader({
    streamName,
    region: 'us-east-1',
    control: cloud.control,
    credentials: new CachedCredentials(cloud.provider),
    log: quietLog,
    provision: { retentionHours: 24, tags: { component: 'kvs-edge-connector' } },
    backoff: { baseMs: 20, capMs: 200 },
    timing: {
      ackTimeoutMs: 2000,
      responseTimeoutMs: 2000,
      finishTimeoutMs: 2000,
      idleCloseMs: 1000,
      sliceMs: 300,
    },
    ...seams(store, cameraId),
    ...extra,
  });
  u.start();
  t.teardown(() => u.stop());
  return u;
}

/** Polls until cond() is true or fails after timeoutMs. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fragment start times stored in the local KVS for a stream, sorted. */
export function storedStarts(kvs: KvsService, stream: string): number[] {
  return kvs
    .listFragments(stream)
    .map((f) => f.producerTimestampMs)
    .sort((a, b) => a - b);
}
