// The local cloud: offline stand-ins for every AWS service the connector talks to, on loopback, speaking
// the real wire protocols so the unmodified AWS SDK v3 clients and aws-iot-device-sdk-v2 work against
// them with nothing but an endpoint override.
//
// startLocalCloud() starts them all and returns their handles plus `env`, the environment a connector
// process needs (SDK endpoint variables, the token exchange service, the IPC socket, the MQTT URL).
// Each service also starts on its own from its folder: sitewise/, secrets/, mqtt/, tes/, nucleus/, kvs/,
// s3/, mediapackage/.
// The CLI (cli.ts, `npm run local-cloud`) wraps this for people.
import path from 'node:path';
import type { Logger } from 'pino';
import { startKvsService, type KvsService, type KvsServiceOptions } from './kvs/index.js';
import { startMediaPackageVodService, type MediaPackageVodService } from './mediapackage/index.js';
import { startS3Service, type S3Service } from './s3/index.js';
import { startMqttBroker, type MqttBroker } from './mqtt/index.js';
import { Uplink } from './http/index.js';
import { startNucleus, type Nucleus } from './nucleus/index.js';
import { startSecretsManagerService, type SecretsManagerService } from './secrets/index.js';
import { startSiteWiseService, type SiteWiseService } from './sitewise/index.js';
import { CredentialAuthority, startTokenExchangeService, type TokenExchangeService } from './tes/index.js';
import { startTwinMakerService, type TwinMakerService } from './twinmaker/index.js';
import { startConsole, type ConsoleService } from './console/index.js';

export { startTestCamera, type TestCamera, type TestCameraOptions } from './camera.js';
export { startSiteWiseService, type SiteWiseService } from './sitewise/index.js';
export { startSecretsManagerService, type SecretsManagerService } from './secrets/index.js';
export { startMqttBroker, type MqttBroker } from './mqtt/index.js';
export { startNucleus, type LocalMessage, type Nucleus } from './nucleus/index.js';
export {
  CredentialAuthority,
  startTokenExchangeService,
  startIotCredentialsProvider,
  type IotCredentialsProvider,
  type CredentialLookup,
  type IssuedCredentials,
  type TokenExchangeService,
} from './tes/index.js';
export { startKvsService, type KvsService, type KvsServiceOptions } from './kvs/index.js';
export { startS3Service, type S3Service } from './s3/index.js';
export { startMediaPackageVodService, type MediaPackageVodService } from './mediapackage/index.js';
export {
  startTwinMakerService,
  EDGE_VIDEO_COMPONENT_TYPE,
  type TwinMakerService,
} from './twinmaker/index.js';
export { startConsole, type ConsoleService } from './console/index.js';
export { FaultInjector, Uplink, type InjectedFault } from './http/index.js';
export { startFaultControl, type FaultControl } from './control.js';

/** Port of each service; 0 or missing picks a free one. */
export interface LocalCloudPorts {
  sitewise?: number;
  secrets?: number;
  kvs?: number;
  mqtt?: number;
  tes?: number;
  s3?: number;
  mediapackage?: number;
  twinmaker?: number;
  console?: number;
}

/** Options of startLocalCloud; everything is optional. */
export interface LocalCloudOptions {
  ports?: LocalCloudPorts;
  /** Folder for persistent state (SiteWise, Secrets Manager, KVS, S3); memory only when omitted. */
  stateDir?: string;
  region?: string;
  accountId?: string;
  thingName?: string;
  /** IPC socket path; a fresh temp path when omitted. */
  socketPath?: string;
  svcuid?: string;
  /** Greengrass component name the IPC client runs as, and its initial configuration. */
  componentName?: string;
  configuration?: Record<string, unknown>;
  /** Lifetime of token exchange credentials (default 1 h). */
  sessionLifetimeMs?: number;
  /** Cap on SiteWise List* page sizes, to force paging in tests. */
  sitewisePageSize?: number;
  /**
   * Run aws.greengrass.SecretManager beside the component: the nucleus answers IPC GetSecretValue from
   * a cache it fills from the local Secrets Manager (and keeps serving while `secrets.faults` or the
   * uplink make that unreachable). Off by default, as on a core device without that component.
   */
  secretManager?: boolean;
  /** Extra options for the KVS stand-in (limits, connection duration, activation delay). */
  kvs?: Omit<KvsServiceOptions, 'credentials' | 'host' | 'port' | 'stateDir' | 'log'>;
  log?: Logger;
}

/** Everything startLocalCloud started. */
export interface LocalCloud {
  readonly region: string;
  readonly sitewise: SiteWiseService;
  readonly secrets: SecretsManagerService;
  readonly kvs: KvsService;
  readonly s3: S3Service;
  readonly mediapackage: MediaPackageVodService;
  readonly twinmaker: TwinMakerService;
  /** The local console page (console.url): one tile per camera entity, the player's HLS sessions. */
  readonly console: ConsoleService;
  readonly mqtt: MqttBroker;
  readonly tes: TokenExchangeService;
  readonly nucleus: Nucleus;
  /** The device's uplink to SiteWise, Secrets Manager and KVS: down() cuts and refuses, up() restores. */
  readonly uplink: Uplink;
  /** Issues and remembers every credential; `credentials.static` is a long-lived pair for direct use. */
  readonly credentials: CredentialAuthority;
  /** Environment for a connector process (see docs/localcloud.md for each variable). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Our own variable for the MQTT broker (no AWS SDK reads it). */
export const MQTT_URL_ENV = 'LOCALCLOUD_MQTT_URL';

type Stoppable = { stop(): Promise<void> };

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const ports = options.ports ?? {};
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const log = options.log;
  const started: Stoppable[] = [];
  const track = <T extends Stoppable>(service: T): T => {
    started.push(service);
    return service;
  };
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      // Reverse order: the nucleus and SiteWise publish into the broker, so it goes last.
      for (const s of [...started].reverse()) await s.stop();
    })());
  const sub = (name: string) =>
    options.stateDir === undefined ? undefined : path.join(options.stateDir, name);

  try {
    const uplink = new Uplink();
    // Filled in once Secrets Manager is up; the nucleus reads it only when a component asks for a secret.
    const late: { secrets?: SecretsManagerService } = {};
    const credentials = new CredentialAuthority(
      options.sessionLifetimeMs === undefined ? {} : { sessionLifetimeMs: options.sessionLifetimeMs },
    );
    const mqtt = track(await startMqttBroker({ port: ports.mqtt ?? 0, ...(log && { log }) }));
    // allSettled, not all: when one fails, the others must have finished starting so stopAll stops them.
    const results = await Promise.allSettled([
      startTokenExchangeService({ port: ports.tes ?? 0, authority: credentials, ...(log && { log }) }).then(
        track,
      ),
      startSiteWiseService({
        uplink,
        port: ports.sitewise ?? 0,
        region,
        accountId,
        publish: (topic, payload) => mqtt.publish(topic, payload),
        ...(options.stateDir !== undefined && { stateDir: options.stateDir }),
        ...(options.sitewisePageSize !== undefined && { pageSize: options.sitewisePageSize }),
        ...(log && { log }),
      }).then(track),
      startSecretsManagerService({
        uplink,
        port: ports.secrets ?? 0,
        region,
        accountId,
        ...(options.stateDir !== undefined && { stateDir: options.stateDir }),
        ...(log && { log }),
      }).then(track),
      startKvsService({
        ...options.kvs,
        uplink,
        port: ports.kvs ?? 0,
        credentials,
        region,
        accountId,
        ...(sub('kvs') !== undefined && { stateDir: sub('kvs') }),
        ...(log && { log }),
      }).then(track),
      startNucleus({
        iotCore: mqtt,
        ...(options.secretManager === true && {
          secretManager: {
            fetch: (secretId: string) => {
              if (!late.secrets) throw new Error('Secrets Manager stand-in not started');
              const { secret, version } = late.secrets.store.getValue(secretId);
              if (version.secretString === undefined) throw new Error('binary secrets are not used here');
              return { arn: secret.arn, versionId: version.versionId, secretString: version.secretString };
            },
            reachable: () => !uplink.isDown,
          },
        }),
        ...(options.socketPath !== undefined && { socketPath: options.socketPath }),
        ...(options.svcuid !== undefined && { svcuid: options.svcuid }),
        ...(options.componentName !== undefined && { componentName: options.componentName }),
        ...(options.configuration !== undefined && { configuration: options.configuration }),
        ...(log && { log }),
      }).then(track),
      startS3Service({
        port: ports.s3 ?? 0,
        ...(sub('s3') !== undefined && { stateDir: sub('s3') }),
        ...(log && { log }),
      }).then(track),
    ] as const);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const [tes, sitewise, secrets, kvs, nucleus, s3] = results.map(
      (r) => (r as PromiseFulfilledResult<unknown>).value,
    ) as [TokenExchangeService, SiteWiseService, SecretsManagerService, KvsService, Nucleus, S3Service];
    // TwinMaker components are bound to SiteWise assets, so it starts once SiteWise is up.
    const twinmaker = track(
      await startTwinMakerService({
        port: ports.twinmaker ?? 0,
        sitewise: sitewise.store,
        region,
        accountId,
        ...(options.stateDir !== undefined && { stateDir: options.stateDir }),
        ...(log && { log }),
      }),
    );
    const consoleService = track(
      await startConsole({
        port: ports.console ?? 0,
        sitewise,
        twinmaker,
        kvsEndpoint: kvs.endpoint,
        ...(log && { log }),
      }),
    );
    late.secrets = secrets;
    // MediaPackage reads asset sources from S3, so it starts once S3 is up.
    const mediapackage = track(
      await startMediaPackageVodService({
        port: ports.mediapackage ?? 0,
        s3,
        region,
        accountId,
        ...(log && { log }),
      }),
    );

    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL_IOTSITEWISE: sitewise.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_KINESIS_VIDEO: kvs.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD: mediapackage.endpoint,
      AWS_ENDPOINT_URL_IOTTWINMAKER: twinmaker.endpoint,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: tes.credentialsUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: tes.authToken,
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: nucleus.socketPath,
      SVCUID: nucleus.svcuid,
      AWS_IOT_THING_NAME: options.thingName ?? 'local-thing',
      [MQTT_URL_ENV]: mqtt.url,
    };
    return {
      region,
      uplink,
      sitewise,
      secrets,
      kvs,
      s3,
      mediapackage,
      twinmaker,
      console: consoleService,
      mqtt,
      tes,
      nucleus,
      credentials,
      env,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
