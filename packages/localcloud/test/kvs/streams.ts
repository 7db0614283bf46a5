// The KVS set-up the local cloud's own tests share: a stand-in whose streams are ACTIVE at once, the
// streams a test names already created through the real control-plane client, that client, and the
// archived-media client on the data endpoint it hands out.
import type { Test } from 'tap';
import {
  CreateStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  type APIName,
} from '@aws-sdk/client-kinesis-video';
import { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { startKvsService, type KvsService, type KvsServiceOptions } from '../../src/kvs/index.js';
import { testLookup, TEST_CREDS } from './putmedia-client.js';

/** A control-plane client with the tests' credentials, destroyed when `t` ends. */
export function controlClient(t: Test, kvs: KvsService): KinesisVideoClient {
  const client = new KinesisVideoClient({
    endpoint: kvs.endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDS,
  });
  t.teardown(() => client.destroy());
  return client;
}

export interface TestKvsOptions extends Partial<KvsServiceOptions> {
  /** Streams to create, ACTIVE when this resolves. */
  streams?: string[];
  /** Their DataRetentionInHours (default 1). */
  retentionHours?: number;
}

/** A KVS stand-in with the tests' credentials and `streams` created, stopped when `t` ends. */
export async function startTestKvs(
  t: Test,
  { streams = [], retentionHours = 1, ...options }: TestKvsOptions = {},
): Promise<{ kvs: KvsService; control: KinesisVideoClient }> {
  const kvs = await startKvsService({ credentials: testLookup(), streamActivationDelayMs: 0, ...options });
  t.teardown(() => kvs.stop());
  const control = controlClient(t, kvs);
  for (const StreamName of streams) {
    await control.send(new CreateStreamCommand({ StreamName, DataRetentionInHours: retentionHours }));
  }
  return { kvs, control };
}

/** An archived-media client on the data endpoint GetDataEndpoint names for `api`, destroyed when `t` ends. */
export async function archivedMediaClient(
  t: Test,
  control: KinesisVideoClient,
  streamName: string,
  api: APIName,
): Promise<KinesisVideoArchivedMediaClient> {
  const { DataEndpoint } = await control.send(
    new GetDataEndpointCommand({ StreamName: streamName, APIName: api }),
  );
  const media = new KinesisVideoArchivedMediaClient({
    endpoint: DataEndpoint!,
    region: 'us-east-1',
    credentials: TEST_CREDS,
  });
  t.teardown(() => media.destroy());
  return media;
}
