// A whole deployment on loopback: the local cloud, test cameras, a hub with camera assets made the way
// the reference's getting-started script makes them, and the component itself (runComponent), started
// and stopped inside a test.
// eventually is the shared poll helper (test/helpers/poll.ts), re-exported for the tests that import it from here.
export { eventually } from '../helpers/poll.js';
import { GetAssetPropertyValueHistoryCommand } from '@aws-sdk/client-iotsitewise';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { startLocalCloud, type LocalCloud } from '@kvs-edge/localcloud';
import { runComponent, type RunningComponent } from '../../src/main.js';
import { createSecretsClient } from '../../src/secrets/index.js';
import { createSiteWiseClient, putStringValue } from '../../src/sitewise/index.js';
import {
  provisionCamera,
  provisionHub,
  putAttributes,
  type AttributeValues,
  type ProvisionedHub,
} from '../../src/provision/index.js';
import { childEnv } from '@kvs-edge/localcloud/testkit';
import { startTestCamera, type TestCameraOptions } from '../helpers/test-camera.js';

export interface Deployment {
  cloud: LocalCloud;
  hub: ProvisionedHub;
  sitewise: ReturnType<typeof createSiteWiseClient>;
  secrets: ReturnType<typeof createSecretsClient>;
  dir: string;
}

/** The SiteWise and Secrets Manager clients a test uses to set up `cloud`, with static test keys. */
export function cloudClients(cloud: LocalCloud): {
  sitewise: ReturnType<typeof createSiteWiseClient>;
  secrets: ReturnType<typeof createSecretsClient>;
} {
  const clientOptions = {
    region: cloud.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return {
    sitewise: createSiteWiseClient({ ...clientOptions, endpoint: cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE! }),
    secrets: createSecretsClient({ ...clientOptions, endpoint: cloud.env.AWS_ENDPOINT_URL_SECRETS_MANAGER! }),
  };
}

export async function deploy(
  t: { teardown(fn: () => unknown): void },
  thingName = 'gateway-1',
): Promise<Deployment> {
  const cloud = await startLocalCloud({ thingName });
  t.teardown(() => cloud.stop());
  const { sitewise, secrets } = cloudClients(cloud);
  const hub = await provisionHub(sitewise, { name: 'Gateway hub', externalId: thingName });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-e2e-'));
  return { cloud, hub, sitewise, secrets, dir };
}

export function addCamera(d: Deployment, options: Parameters<typeof provisionCamera>[2]) {
  return provisionCamera({ sitewise: d.sitewise, secrets: d.secrets }, d.hub, options);
}

export interface Running {
  component: RunningComponent;
  lines: Record<string, unknown>[];
  stop(): Promise<number>;
}

/**
 * Runs the component as Greengrass would: configuration through the local nucleus (IPC), requests
 * through its IoT Core bridge, state reported with UpdateState. `standalone` runs it from a config
 * file instead, as `kvs-edge start --config` does: requests over MQTT 5 when `extraEnv` names
 * KVS_EDGE_MQTT_URL, else SiteWise polling. A config file name ending in .yaml is written as YAML.
 */
export async function runConnector(
  t: { teardown(fn: () => unknown): void },
  d: Deployment,
  config: Record<string, unknown> = {},
  mode: 'greengrass' | 'standalone' = 'greengrass',
  extraEnv: Record<string, string> = {},
  fileName = `config-${Date.now()}.json`,
): Promise<Running> {
  const full = { RecordingsPath: path.join(d.dir, 'recordings'), ...config };
  const env: Record<string, string> = { ...d.cloud.env, ...extraEnv };
  if (mode === 'greengrass') {
    d.cloud.nucleus.configuration.merge(d.cloud.nucleus.componentName, [], full);
    return start(t, { argv: [], env });
  }
  const file = path.join(d.dir, fileName);
  await writeFile(file, file.endsWith('.json') ? JSON.stringify(full) : stringifyYaml(full));
  // No Greengrass variables: the component reads the file.
  env.SVCUID = '';
  env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT = '';
  return start(t, { argv: ['--config', file], env });
}

export async function start(
  t: { teardown(fn: () => unknown): void },
  options: { argv: string[]; env: Record<string, string> },
): Promise<Running> {
  const lines: Record<string, unknown>[] = [];
  const abort = new AbortController();
  // The AWS SDK's credential chain reads the process environment (the token exchange service's
  // variables), as it does on a device; each tap file is its own process, so this stays local.
  const saved = new Map(Object.keys(options.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, options.env);
  t.teardown(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  let started!: (c: RunningComponent) => void;
  const ready = new Promise<RunningComponent>((resolve) => (started = resolve));
  const exit = runComponent({
    argv: options.argv,
    env: options.env,
    stopSignal: abort.signal,
    logDestination: { write: (line: string) => lines.push(JSON.parse(line)) },
    onStarted: started,
  });
  const component = await Promise.race([
    ready,
    exit.then((code) => {
      throw new Error(`component exited with ${code}: ${JSON.stringify(lines.slice(-5))}`);
    }),
  ]);
  let stopping: Promise<number> | undefined;
  const stop = () => {
    abort.abort();
    return (stopping ??= exit);
  };
  t.teardown(stop);
  return { component, lines, stop };
}

/** Writes a VideoUploadRequest value the way the TwinMaker video player does. */
export async function sendRequest(d: Deployment, assetId: string, propertyId: string, value: string) {
  await putStringValue(d.sitewise, assetId, propertyId, value, { entryId: 'liveVideo' });
}

/** The (start, end) points of a status property, as the TwinMaker player reads them. */
export async function statusRanges(d: Deployment, assetId: string, propertyId: string) {
  const out = await d.sitewise.send(
    new GetAssetPropertyValueHistoryCommand({
      assetId,
      propertyId,
      startDate: new Date(Date.now() - 24 * 3600 * 1000),
      endDate: new Date(Date.now() + 3600 * 1000),
    }),
  );
  return (out.assetPropertyValueHistory ?? []).map((v) => ({
    startMs: (v.timestamp?.timeInSeconds ?? 0) * 1000 + Math.floor((v.timestamp?.offsetInNanos ?? 0) / 1e6),
    endMs: (v.value?.doubleValue ?? 0) * 1000,
  }));
}

/** A camera's recording files on disk (video_<epoch ms>.mkv, uploaded or not), oldest first. */
export async function recordingFiles(run: Running, assetId: string) {
  const dir = path.join(run.component.store.root, assetId);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .flatMap((name) => {
      const m = /^video_(\d+)(_uploaded)?\.mkv$/.exec(name);
      return m ? [{ file: path.join(dir, name), startMs: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.startMs - b.startMs);
}

/** Writes camera attributes the way a user edits them in the console (BatchPutAssetPropertyValue). */
export function setAttributes(d: Deployment, assetId: string, values: AttributeValues) {
  return putAttributes(d.sitewise, assetId, values);
}

export interface SpawnedComponent {
  child: ChildProcess;
  /** Parsed JSON log lines from the child's stdout, as they arrive. */
  lines: Record<string, unknown>[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** The component in its own process (node + the TypeScript sources), as a device runs it. */
export function spawnComponent(
  t: { teardown(fn: () => unknown): void },
  env: Record<string, string>,
  argv: string[] = [],
): SpawnedComponent {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  // Through tsx and without tap's coverage hook, unlike tsChild: under tap's ts-node loader the whole
  // component took over 30 s to start at load 15 (standalone.test timed out), and the hook's write at
  // exit would count against the stop time these tests assert. What runs here is not counted.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...argv], {
    cwd: root,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return { child, lines, stderr: () => stderr, exited };
}

export type CameraSpec = Parameters<typeof addCamera>[1];

/**
 * One RTSP test camera with 1 s GOPs and one camera of the hub on its /cam path; `spec` names it and
 * sets its schedules and other attributes.
 */
export async function cameraOnTestCamera(
  t: Parameters<typeof startTestCamera>[0],
  d: Deployment,
  spec: Omit<CameraSpec, 'rtspUrl'>,
) {
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  return addCamera(d, { ...spec, rtspUrl: camera.url('/cam') });
}

/**
 * The RTSP test camera behind a password and two cameras of the hub on it, both recording all the
 * time: "Front door" (stream front-door) with the right password and "Back door" (back-door) with a
 * wrong one, which the camera refuses with 401. `backPath` is what the back door asks for.
 */
export async function frontAndBackDoor(
  t: Parameters<typeof startTestCamera>[0],
  d: Deployment,
  o: { camera?: TestCameraOptions; front?: Partial<CameraSpec>; backPath?: string } = {},
) {
  const camera = await startTestCamera(t, { user: 'viewer', password: 'right-pass', ...o.camera });
  const front = await addCamera(d, {
    name: 'Front door',
    streamName: 'front-door',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
    ...o.front,
  });
  const back = await addCamera(d, {
    name: 'Back door',
    streamName: 'back-door',
    rtspUrl: camera.url(o.backPath ?? '/cam', { user: 'viewer', password: 'wrong-pass' }),
    captureStartTime: '* * * * *',
  });
  return { camera, front, back };
}
