// The local cloud of the system benchmark, in its own process so its CPU (above all the KVS stand-in's
// PutMedia ingest) is never counted as the connector's. The parent talks to it over the fork IPC
// channel: `setup` starts the stand-ins, provisions a hub with N cameras (always recording, always
// live) and hands the component its Greengrass configuration; `fragments` lists what KVS holds per
// stream; `stop` ends everything.
import { startLocalCloud, type LocalCloud } from '@kvs-edge/localcloud';
import { createSecretsClient } from '../../src/secrets/index.js';
import { createSiteWiseClient } from '../../src/sitewise/index.js';
import { provisionCamera, provisionHub } from '../../src/provision/index.js';
import type { CloudReply, CloudRequest, KvsFragment, SetupReply } from './protocol.js';

let cloud: LocalCloud | undefined;

function send(reply: CloudReply): void {
  process.send!(reply);
}

async function setup(request: Extract<CloudRequest, { type: 'setup' }>): Promise<SetupReply> {
  cloud = await startLocalCloud({ thingName: request.thingName });
  const options = {
    region: cloud.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sitewise = createSiteWiseClient({ ...options, endpoint: cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE! });
  const secrets = createSecretsClient({ ...options, endpoint: cloud.env.AWS_ENDPOINT_URL_SECRETS_MANAGER! });
  const hub = await provisionHub(sitewise, { name: 'Bench hub', externalId: request.thingName });
  const cameras: SetupReply['cameras'] = [];
  for (let i = 0; i < request.cameras; i++) {
    const streamName = `bench-cam-${i + 1}`;
    const camera = await provisionCamera({ sitewise, secrets }, hub, {
      name: `Bench camera ${i + 1}`,
      streamName,
      rtspUrl: request.rtspUrl,
      captureStartTime: '* * * * *',
      liveStreamingStartTime: '* * * * *',
    });
    cameras.push({ assetId: camera.assetId, streamName });
  }
  sitewise.destroy();
  secrets.destroy();
  cloud.nucleus.configuration.merge(cloud.nucleus.componentName, [], request.configuration);
  return { type: 'ready', env: cloud.env, cameras };
}

function fragments(streams: string[]): Record<string, KvsFragment[]> {
  const out: Record<string, KvsFragment[]> = {};
  for (const s of streams) {
    out[s] = cloud!.kvs.listFragments(s).map((f) => ({
      producerMs: f.producerTimestampMs,
      serverMs: f.serverTimestampMs,
      durationMs: f.durationMs,
      frames: f.frameCount,
    }));
  }
  return out;
}

process.on('message', (message: CloudRequest) => {
  void (async () => {
    try {
      if (message.type === 'setup') send(await setup(message));
      else if (message.type === 'fragments') send({ type: 'fragments', streams: fragments(message.streams) });
      else if (message.type === 'stop') {
        await cloud?.stop();
        send({ type: 'stopped' });
        process.disconnect();
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});
