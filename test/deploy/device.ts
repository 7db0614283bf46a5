// One simulated core device on the local cloud: its own nucleus IPC stand-in (socket in the nucleus
// root, as on a device), its own token exchange service whose token is the component's SVCUID (as
// ShellRunner sets AWS_CONTAINER_AUTHORIZATION_TOKEN), and a GreengrassDevice that installs and runs
// the built components. The cloud services (SiteWise, Secrets Manager, KVS, MQTT) are shared, as
// AWS's are by the devices of a fleet.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startNucleus, startTokenExchangeService, type LocalCloud, type Nucleus } from '@kvs-edge/localcloud';
import { GreengrassDevice, prepareRoot } from './greengrass.js';

export const CONNECTOR = 'io.kvsedge.EdgeConnectorForKVS';
export const RUNTIME = 'io.kvsedge.NodeRuntime';

export interface SimulatedDevice {
  device: GreengrassDevice;
  nucleus: Nucleus;
  root: string;
}

/** Users the components run as: `nobody` stands in for ggc_user when the tests run as root. */
function runAs(): { uid: number; gid: number; home: string } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534, home: '/nonexistent' } : undefined;
}

export async function simulatedDevice(
  t: { teardown(fn: () => unknown): void },
  cloud: LocalCloud,
  thingName: string,
): Promise<SimulatedDevice> {
  // Short: the IPC socket path must fit in sun_path (108 bytes).
  const root = await mkdtemp(path.join(os.tmpdir(), 'gg-'));
  await prepareRoot(root);
  const nucleus = await startNucleus({
    socketPath: path.join(root, 'ipc.socket'),
    componentName: CONNECTOR,
    iotCore: cloud.mqtt,
  });
  const tes = await startTokenExchangeService({ authority: cloud.credentials, authToken: nucleus.svcuid });
  // The nucleus's own environment: a PATH, and (test only) where the local cloud's services are.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [k, v] of Object.entries(cloud.env)) if (k.startsWith('AWS_ENDPOINT_URL_')) env[k] = v;
  const user = runAs();
  const device = new GreengrassDevice({
    root,
    thingName,
    region: cloud.region,
    env,
    services: {
      socketPath: nucleus.socketPath,
      svcuid: nucleus.svcuid,
      credentialsUri: tes.credentialsUri,
      setConfiguration: (name, value) => {
        if (name === CONNECTOR) nucleus.configuration.set(name, [], value);
      },
    },
    ...(user && { runAs: user }),
  });
  // One teardown, in order: components first, then the services they use.
  t.teardown(async () => {
    await device.stopAll();
    await tes.stop();
    await nucleus.stop();
    await rm(root, { recursive: true, force: true });
  });
  return { device, nucleus, root };
}
