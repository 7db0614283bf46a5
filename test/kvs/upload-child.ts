// Child process for the restart test: uploads a range from a store folder, prints each PERSISTED
// fragment, and on SIGINT stops cleanly (finishing the session, saving the ledger) like the runtime.
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { createLogger } from '../../src/log/index.js';
import { openStore } from '../../src/store/index.js';
import { CachedCredentials, sdkStreamControl, StreamUploader } from '../../src/kvs/index.js';
import { seams } from './fixtures.js';

const cfg = JSON.parse(process.env.KVS_CHILD_CONFIG ?? '{}') as {
  storeDir: string;
  cameraId: string;
  stream: string;
  endpoint: string;
  startMs: number;
  endMs: number;
};
const log = createLogger({ level: 'silent' });
const store = await openStore(cfg.storeDir, { log });
const client = new KinesisVideoClient({
  region: 'us-east-1',
  endpoint: cfg.endpoint,
  credentials: fromNodeProviderChain(),
});
const u = new StreamUploader({
  streamName: cfg.stream,
  region: 'us-east-1',
  control: sdkStreamControl(client),
  credentials: new CachedCredentials(fromNodeProviderChain()),
  log,
  provision: { retentionHours: 24 },
  maxInFlightBytes: 1,
  ...seams(store, cfg.cameraId),
});
u.on('persisted', (e) => process.stdout.write(`persisted ${e.startMs}\n`));
u.start();
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await u.stop();
  await store.close();
  client.destroy();
  process.stdout.write('exit\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
const result = await u.uploadRange(cfg.startMs, cfg.endMs).done;
if (result === 'completed') process.stdout.write('done\n');
await shutdown(0);
