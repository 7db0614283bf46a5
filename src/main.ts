// Composition root of the component (recipe Run: node dist/main.js; standalone: kvs-edge start).
//
// Under Greengrass (SVCUID set) the configuration comes from IPC GetConfiguration and deployment
// updates, requests arrive through the nucleus's IoT Core proxy, and the lifecycle state is reported
// back. Standalone, the configuration is a JSON/YAML file plus KVS_EDGE_* variables and requests
// arrive over MQTT 5 (KVS_EDGE_MQTT_URL: AWS IoT Core with a device certificate, or the local cloud's
// broker). Either way the same Connector runs the same cameras; AWS endpoints can be overridden with
// the SDK's AWS_ENDPOINT_URL_<SERVICE> variables, which is how the demo and tests use the local cloud.
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, loadConfigFile, resolveRecordingsPath, type Config } from './config/index.js';
import { fromIotCertificate, iotCertificateOptionsFromEnv } from './credentials/index.js';
import { Connector, LastKnownConfig } from './connector/index.js';
import { CameraSource, GstProcesses, RunnerPool } from './gst/index.js';
import { GreengrassIpc, underGreengrass } from './greengrass/index.js';
import { HealthPublisher } from './health/index.js';
import { sdkStreamControl } from './aws/index.js';
import { CachedCredentials, StreamUploader } from './kvs/index.js';
import { createLogger, SecretRegistry, type Logger } from './log/index.js';
import type { Messaging } from './mqtt/index.js';
import {
  AckLatency,
  DEFAULT_STATUS_PORT,
  StatusBuilder,
  startStatusServer,
  statusPortFrom,
  type StatusServer,
} from './observe/index.js';
import { createSecretsClient, RtspUrlResolver } from './secrets/index.js';
import {
  createSiteWiseClient,
  discoverCameras,
  quartzScheduleCheck,
  putStringValue,
  RequestSubscriptions,
} from './sitewise/index.js';
import { EdgeChunkFiles, StatusOutbox } from './status/index.js';
import { openStore, referenceRecordingFolders, STATE_DIR, type Store } from './store/index.js';
import type { VodPort } from './connector/index.js';

export interface RunOptions {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (tests collect them); stdout by default. */
  logDestination?: { write(line: string): unknown };
  /** Resolves to stop the component (tests); SIGINT/SIGTERM do the same. */
  stopSignal?: AbortSignal;
  /** Called once everything has started. */
  onStarted?: (running: RunningComponent) => void;
}

export interface RunningComponent {
  connector: Connector;
  store: Store;
  outbox: StatusOutbox;
  config: Config;
  log: Logger;
  /** The local status endpoint (kvs-edge status, /metrics); absent when it is off or could not start. */
  statusUrl?: string;
}

// Greengrass stops a component with SIGTERM and kills it soon after; everything must be closed well
// inside that, so each step has its own budget.
const STOP_BUDGET_MS = 8_000;

// Cameras whose pipelines share one python-gi runner process. One interpreter per camera cost 12 MB a
// camera more than a bare gst-launch; four to a runner make the pipelines cheaper than bare ones while
// a runner crash restarts at most three other cameras (docs/performance.md, shared runners).
const CAMERAS_PER_RUNNER = 4;

/** Runs the component until a signal (or stopSignal); resolves to the exit code. */
export async function runComponent(options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const argv = options.argv ?? [];
  const secrets = new SecretRegistry();
  const bootLog = createLogger({
    secrets,
    ...(options.logDestination && { destination: options.logDestination }),
  });
  const greengrass = underGreengrass(env);
  let ipc: GreengrassIpc | undefined;
  let config: Config;
  try {
    const file = configFileArg(argv);
    if (greengrass) {
      ipc = await GreengrassIpc.connect(bootLog);
      config = loadConfig(await ipc.getConfiguration());
    } else {
      config = file ? await loadConfigFile(file, env) : loadConfig({}, env);
    }
  } catch (err) {
    bootLog.fatal({ err }, 'invalid component configuration; fix it and restart the component');
    await ipc?.updateState('ERRORED').catch(() => undefined);
    await ipc?.close();
    return 2;
  }
  const log = createLogger({
    secrets,
    level: config.LogLevel,
    ...(options.logDestination && { destination: options.logDestination }),
  });
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Outside Greengrass a device may hold an IoT certificate and a role alias instead of AWS keys.
  let iotCredentials: ReturnType<typeof fromIotCertificate> | undefined;
  try {
    const iot = iotCertificateOptionsFromEnv(env);
    iotCredentials = iot && fromIotCertificate(iot);
  } catch (err) {
    log.fatal({ err }, 'incomplete IoT certificate credentials settings');
    await ipc?.close();
    return 2;
  }
  const withCredentials = iotCredentials ? { credentials: iotCredentials } : {};
  const sitewise = createSiteWiseClient({
    region,
    ...withCredentials,
    ...(env.AWS_ENDPOINT_URL_IOTSITEWISE && { endpoint: env.AWS_ENDPOINT_URL_IOTSITEWISE }),
  });
  const secretsClient = createSecretsClient({
    region,
    ...withCredentials,
    ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER && { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
  });
  const kvsClient = new KinesisVideoClient({
    region,
    ...withCredentials,
    ...(env.AWS_ENDPOINT_URL_KINESIS_VIDEO && { endpoint: env.AWS_ENDPOINT_URL_KINESIS_VIDEO }),
  });
  const credentials = new CachedCredentials(iotCredentials ?? fromNodeProviderChain());
  const control = sdkStreamControl(kvsClient);
  const resolver = new RtspUrlResolver({
    client: secretsClient,
    secrets,
    log,
    ...(ipc && { local: (secretId: string) => ipc!.getSecretValue(secretId) }),
  });
  const processes = new GstProcesses();

  const root = resolveRecordingsPath(config, { greengrass });
  let store: Store;
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    store = await openStore(root, {
      log: log.child({ part: 'store' }),
      segmentDurationSeconds: config.SegmentDurationSeconds,
      maxLocalMediaSizeInMB: config.MaxLocalMediaSizeInMB,
      strategyOnFullSize: config.StrategyOnFullSize,
      // Switching from aws.iot.EdgeConnectorForKVS: its recordings stay readable where they are.
      adoptFrom: referenceRecordingFolders({ greengrass, cwd: process.cwd(), root }),
    });
  } catch (err) {
    // Nothing can be recorded; say which folder and why, once, and let Greengrass show ERRORED.
    log.fatal(
      { err, root },
      'RecordingsPath cannot be used; fix the folder (exists, writable, mounted) and restart',
    );
    await ipc?.updateState('ERRORED').catch(() => undefined);
    await ipc?.close();
    return 1;
  }
  const stateDir = path.join(root, STATE_DIR);
  const outbox = await StatusOutbox.open({
    client: sitewise,
    dir: stateDir,
    log,
    onNoSpace: () => store.reserve.release(),
  });
  // The work folder (the recipe sets KVS_EDGE_WORK_DIR to {work:path}); else the state folder.
  const workDir = env.KVS_EDGE_WORK_DIR || stateDir;
  const lastKnown = new LastKnownConfig(workDir, log);
  // In the work folder, not among the recordings: if the recordings folder is wiped, the next start
  // still knows what it had reported and retracts it. Hidden, because under Greengrass the default
  // RecordingsPath is that same folder, where every other folder is a camera's.
  const edgeChunks = new EdgeChunkFiles(path.join(workDir, '.edge-chunks'), log);
  let messaging: Messaging;
  try {
    messaging = ipc ?? (await standaloneMessaging(env, log));
  } catch (err) {
    log.fatal({ err }, 'cannot reach MQTT for VideoUploadRequest notifications');
    await outbox.close();
    await store.close();
    return 1;
  }
  const requests = new RequestSubscriptions({
    client: sitewise,
    log,
    subscribe: (topic, handler) => messaging.subscribe(topic, (_topic, payload) => handler(payload)),
  });
  const thingName = env.AWS_IOT_THING_NAME;
  const runners = new RunnerPool({ camerasPerRunner: CAMERAS_PER_RUNNER, log: log.child({ part: 'gst' }) });
  const vod = await vodPort(config, env, store, sitewise, log, thingName ?? 'standalone');
  const ackLatency = new AckLatency();
  const connector = new Connector({
    log,
    store,
    timeZone: config.TimeZone || undefined,
    liveKeepAliveMs: config.LiveKeepAliveSeconds * 1000,
    deleteAfterUpload: config.DeleteAfterUpload,
    refreshMs: config.ConfigRefreshSeconds * 1000,
    lastKnown,
    discover: (prefer) =>
      discoverCameras({
        client: sitewise,
        hubAssetId: config.SiteWiseAssetIdForHub,
        ...(thingName && { thingName }),
        checkSchedule: quartzScheduleCheck(config.TimeZone || undefined),
        preferAssetIds: prefer,
        log,
      }),
    resolveUrl: (camera, signal) => resolver.resolve(camera.secretArn, signal),
    createSource: (camera, url, onFragment) =>
      new CameraSource({
        cameraId: camera.assetId,
        url,
        urlRef: camera.secretArn,
        log: log.child({ cameraId: camera.assetId, part: 'source' }),
        runners,
        processes,
        onFragment,
      }),
    createUploader: (camera) => {
      const uploader = new StreamUploader({
        streamName: camera.streamName,
        region,
        control,
        credentials,
        log: log.child({ cameraId: camera.assetId, stream: camera.streamName, part: 'kvs' }),
        provision: { retentionHours: config.StreamRetentionInHours, tags: { EdgeConnectorForKVS: 'true' } },
        reader: { read: (start, end) => store.read(camera.assetId, start, end) },
        ledger: {
          covers: (start, end) => store.ledger.isPersisted(camera.assetId, start, end),
          add: (range) => store.ledger.add(camera.assetId, range.startMs, range.endMs),
        },
      });
      // Listeners go with the uploader when the camera drops it.
      ackLatency.watch(camera.assetId, uploader);
      return uploader;
    },
    subscribeRequests: (camera, onValue) => requests.set(camera.assetId, camera.requests, onValue),
    subscribeVod: (key, source, onValue) => requests.set(key, source, onValue),
    ...(vod && { vod: vod.port }),
    unsubscribeRequests: (cameraId) => requests.remove(cameraId),
    // put() only rejects once the outbox is closed (a late point during stop); journal trouble is
    // handled inside it and shown in health.
    edgeChunks,
    putStatus: (point) =>
      void outbox.put(point).catch((err: unknown) => log.debug({ err }, 'status point after close dropped')),
    watchTopic: (topic, onMessage) => messaging.subscribe(topic, () => onMessage()),
    ...(ipc && { reportState: (state) => ipc!.updateState(state) }),
  });

  let unsubscribeConfig: (() => Promise<void>) | undefined;
  if (ipc) {
    // LogLevel and the size limits apply at once; the keys below shape objects built at start-up, so
    // the log names the ones that changed and wait for the next start. The camera list itself follows
    // SiteWise on every refresh.
    const restartKeys = [
      'SiteWiseAssetIdForHub',
      'RecordingsPath',
      'SegmentDurationSeconds',
      'LiveKeepAliveSeconds',
      'ConfigRefreshSeconds',
      'DeleteAfterUpload',
      'StreamRetentionInHours',
      'TimeZone',
      'Vod',
    ] as const;
    unsubscribeConfig = await ipc.onConfigurationUpdate(() => {
      void ipc!
        .getConfiguration()
        .then((value) => {
          const next = loadConfig(value);
          if (next.LogLevel !== config.LogLevel) log.level = next.LogLevel;
          const later = restartKeys.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(config[k]));
          if (later.length > 0) {
            log.warn({ keys: later }, 'these configuration keys take effect when the component restarts');
          }
          store.retention.setLimits({
            maxTotalBytes: next.MaxLocalMediaSizeInMB * 1024 * 1024,
            strategy: next.StrategyOnFullSize,
          });
          config = next;
          return connector.refresh();
        })
        .catch((err: unknown) =>
          log.error({ err }, 'configuration update rejected; keeping the previous one'),
        );
    });
  }

  const stopped = waitForStop(options.stopSignal);
  await connector.start();
  const observed = await startObserving(env, connector, store, log, ackLatency);
  const health = startHealth(config, connector, store, messaging, ipc, env, log);
  log.info({ ...connector.summary(), recordings: root, greengrass }, 'connector started');
  options.onStarted?.({
    connector,
    store,
    outbox,
    config,
    log,
    ...(observed?.server && { statusUrl: observed.server.url }),
  });
  const signal = await stopped;
  log.info({ signal }, 'stopping');

  const deadline = setTimeout(() => {
    log.error('stop took too long; exiting anyway');
    process.exit(1);
  }, STOP_BUDGET_MS + 2_000);
  deadline.unref();
  await unsubscribeConfig?.();
  await observed?.close();
  await health?.stop();
  await connector.stop();
  await processes.stopAll(2_000);
  await runners.close(2_000);
  await requests.close();
  // Offline, a flush would only spend the stop budget; the journal keeps the points for the next start.
  await edgeChunks.close();
  await outbox.close(outbox.failing ? 0 : 2_000);
  await store.close();
  await messaging.close();
  if (ipc && ipc !== messaging) await ipc.close();
  vod?.close();
  clearTimeout(deadline);
  log.info('stopped');
  return 0;
}

/**
 * MediaPackage VOD publishing when the component's Vod key is set; says once when it is off. The VOD
 * module (S3, MediaPackage and multipart upload clients, about 14 MB of heap and code) loads only then.
 */
async function vodPort(
  config: Config,
  env: NodeJS.ProcessEnv,
  store: Store,
  sitewise: ReturnType<typeof createSiteWiseClient>,
  log: Logger,
  thingName: string,
): Promise<{ port: VodPort; close(): void } | undefined> {
  const vodConfig = config.Vod;
  if (!vodConfig) {
    log.info('MediaPackage VOD publishing is off (component key Vod is empty)');
    return undefined;
  }
  const { createVodClients, publishClip, statusMeasurementValue, vodSettingsFor } =
    await import('./vod/index.js');
  const clients = createVodClients({ ...(vodConfig.Region && { region: vodConfig.Region }), env });
  const vodLog = log.child({ part: 'vod' });
  return {
    close: () => clients.destroy(),
    port: {
      async publish(camera, range, signal) {
        const status = await publishClip(
          { store, s3: clients.s3, mediapackage: clients.mediapackage, log: vodLog, thingName },
          {
            cameraId: camera.assetId,
            startMs: range.startMs,
            endMs: range.endMs,
            settings: vodSettingsFor(vodConfig, camera.vod?.attributes ?? {}),
            signal,
          },
        );
        return { state: status.state, json: statusMeasurementValue(status) };
      },
      writeStatus: (camera, json) =>
        putStringValue(sitewise, camera.assetId, camera.vod!.statusPropertyId!, json),
    },
  };
}

// Strict: an unknown argument or `--config` without a value is an error, never a silent start with
// defaults (which would record into ./recordings).
function configFileArg(argv: string[]): string | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.config === '') throw new Error('--config needs a file name: --config <file.yaml|file.json>');
  return values.config;
}

async function standaloneMessaging(env: NodeJS.ProcessEnv, log: Logger): Promise<Messaging> {
  const url = env.KVS_EDGE_MQTT_URL;
  if (!url) {
    log.warn('KVS_EDGE_MQTT_URL is not set: VideoUploadRequest values are polled from SiteWise instead');
    return {
      subscribe: () => Promise.reject(new Error('no MQTT connection configured')),
      publish: () => Promise.reject(new Error('no MQTT connection configured')),
      close: async () => {},
    };
  }
  // Loaded only here: under Greengrass requests come through IPC and this client is never needed.
  const { Mqtt5Messaging } = await import('./mqtt/index.js');
  return Mqtt5Messaging.connect(
    {
      url,
      clientId: env.KVS_EDGE_MQTT_CLIENT_ID ?? `kvs-edge-${env.AWS_IOT_THING_NAME ?? process.pid}`,
      ...(env.KVS_EDGE_MQTT_CERT && { certPath: env.KVS_EDGE_MQTT_CERT }),
      ...(env.KVS_EDGE_MQTT_KEY && { keyPath: env.KVS_EDGE_MQTT_KEY }),
      ...(env.KVS_EDGE_MQTT_CA && { caPath: env.KVS_EDGE_MQTT_CA }),
    },
    log,
  );
}

/**
 * Camera health on IoT Core (and CloudWatch metrics under Greengrass) unless HealthTopicPrefix is "";
 * standalone without an MQTT connection there is nowhere to publish, which is said once.
 */
function startHealth(
  config: Config,
  connector: Connector,
  store: Store,
  messaging: Messaging,
  ipc: GreengrassIpc | undefined,
  env: NodeJS.ProcessEnv,
  log: Logger,
): HealthPublisher | undefined {
  if (config.HealthTopicPrefix === '') {
    log.info('camera health publishing is off (HealthTopicPrefix is empty)');
    return undefined;
  }
  if (!ipc && !env.KVS_EDGE_MQTT_URL) {
    log.info('camera health is not published: no MQTT connection (set KVS_EDGE_MQTT_URL)');
    return undefined;
  }
  const health = new HealthPublisher({
    thingName: env.AWS_IOT_THING_NAME || 'standalone',
    topicPrefix: config.HealthTopicPrefix,
    minIntervalMs: config.HealthIntervalSeconds * 1000,
    metricsIntervalMs: config.HealthIntervalSeconds * 1000,
    read: () => {
      const view = connector.snapshot();
      return {
        skipped: view.skipped,
        cameras: view.cameras.map((c) => ({
          ...c,
          backlogSeconds: Math.round(
            store.owed(c.assetId).reduce((sum, r) => sum + r.endMs - r.startMs, 0) / 1000,
          ),
        })),
      };
    },
    publish: (topic, payload) => messaging.publish(topic, payload),
    ...(ipc && { publishLocal: (topic: string, message: unknown) => ipc.publishLocal(topic, message) }),
    log: log.child({ part: 'health' }),
  });
  health.start();
  log.info({ topic: health.topicFor('<cameraAssetId>') }, 'camera health is published on IoT Core');
  return health;
}

/** The local status endpoint (src/observe); a port already in use costs the endpoint, not the cameras. */
async function startObserving(
  env: NodeJS.ProcessEnv,
  connector: Connector,
  store: Store,
  log: Logger,
  ackLatency: AckLatency,
) {
  let port: number | undefined;
  try {
    port = statusPortFrom(env, DEFAULT_STATUS_PORT);
  } catch (err) {
    log.error({ err }, 'status endpoint not started');
    return undefined;
  }
  if (port === undefined) return undefined;
  const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  const builder = new StatusBuilder({ version, connector, store, ackLatency });
  let server: StatusServer | undefined;
  try {
    server = await startStatusServer({ port, status: () => builder.build(), log });
    log.info({ url: server.url }, 'status endpoint: kvs-edge status, and /metrics for Prometheus');
  } catch (err) {
    log.warn({ err, port }, 'status endpoint not started (set KVS_EDGE_STATUS_PORT to a free port, or off)');
  }
  return {
    server,
    close: async () => {
      await server?.close();
      builder.stop();
    },
  };
}

function waitForStop(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done('stop requested');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (signal?.aborted) done('stop requested');
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await runComponent({ argv: process.argv.slice(2) });
  // Everything we own is closed by now, but aws-crt's MQTT 5 client can leave a native handle that
  // keeps the event loop alive after an upload session (seen standalone); the component must end.
  process.exit(code);
}
