import type { Logger } from 'pino';
import {
  AwsError,
  FaultInjector,
  jsonBody,
  readBody,
  sendJson,
  startHttpServer,
  type HttpService,
  type Uplink,
} from '../http/index.js';
import { persistedStore } from '../persist/index.js';
import { SecretStore, type SecretVersion, type StoredSecret } from './store.js';

export interface SecretsOptions {
  host?: string;
  port?: number;
  region?: string;
  accountId?: string;
  /** Folder for secrets.json; state is kept in memory only when omitted. */
  stateDir?: string;
  log?: Logger;
  /** Behind the device's uplink (the local cloud's fault control cuts it). */
  uplink?: Uplink;
}

/** A running Secrets Manager stand-in. */
export interface SecretsManagerService extends HttpService {
  readonly store: SecretStore;
  /** Fault injection by operation name, e.g. "GetSecretValue". */
  readonly faults: FaultInjector;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

type Body = Record<string, unknown>;
const str = (body: Body, key: string): string | undefined => {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsError('InvalidParameterException', `${key} must be a string`);
  return v;
};
const seconds = (ms: number): number => ms / 1000;

function versionOut(secret: StoredSecret, v: SecretVersion): Body {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: v.versionId,
    ...(v.secretString !== undefined && { SecretString: v.secretString }),
    ...(v.secretBinary !== undefined && { SecretBinary: v.secretBinary }),
    VersionStages: v.stages,
    CreatedDate: seconds(v.createdDate),
  };
}

export async function startSecretsManagerService(
  options: SecretsOptions = {},
): Promise<SecretsManagerService> {
  const { store: secrets, state } = persistedStore(
    options.stateDir,
    'secrets',
    (saved: StoredSecret[] | undefined) =>
      new SecretStore(options.region ?? 'us-east-1', options.accountId ?? '123456789012', saved),
  );
  const faults = new FaultInjector();

  const operations: Record<string, (body: Body) => Body> = {
    CreateSecret(body) {
      const name = str(body, 'Name');
      if (name === undefined) throw new AwsError('InvalidParameterException', 'Name is required');
      const { secret, version } = secrets.create({
        name,
        secretString: str(body, 'SecretString'),
        secretBinary: str(body, 'SecretBinary'),
        clientRequestToken: str(body, 'ClientRequestToken'),
        description: str(body, 'Description'),
      });
      return { ARN: secret.arn, Name: secret.name, ...(version && { VersionId: version.versionId }) };
    },
    GetSecretValue(body) {
      const id = str(body, 'SecretId');
      if (id === undefined) throw new AwsError('InvalidParameterException', 'SecretId is required');
      const { secret, version } = secrets.getValue(id, str(body, 'VersionId'), str(body, 'VersionStage'));
      return versionOut(secret, version);
    },
    PutSecretValue(body) {
      const id = str(body, 'SecretId');
      if (id === undefined) throw new AwsError('InvalidParameterException', 'SecretId is required');
      const stages = body.VersionStages;
      const { secret, version } = secrets.putValue({
        secretId: id,
        secretString: str(body, 'SecretString'),
        secretBinary: str(body, 'SecretBinary'),
        clientRequestToken: str(body, 'ClientRequestToken'),
        ...(Array.isArray(stages) && { versionStages: stages.map(String) }),
      });
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: version.stages,
      };
    },
  };

  const http = await startHttpServer(
    async (req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
      const reply = (status: number, body: Body) =>
        sendJson(res, status, body, { 'content-type': CONTENT_TYPE });
      try {
        const raw = await readBody(req, 1024 * 1024);
        const handler = operations[operation];
        if (req.method !== 'POST' || handler === undefined) {
          throw new AwsError('UnknownOperationException', `operation not emulated: ${target || req.method}`);
        }
        faults.check(operation);
        const out = handler(jsonBody(raw, 'SerializationException'));
        if (operation !== 'GetSecretValue') state.changed();
        reply(200, out);
        options.log?.debug({ operation }, 'secrets manager request');
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        options.log?.debug({ operation, code: err.code }, 'secrets manager error');
        reply(err.status, { __type: err.code, Message: err.message });
      }
    },
    { ...options, name: 'secretsmanager' },
  );
  return {
    port: http.port,
    endpoint: http.endpoint,
    store: secrets,
    faults,
    async stop() {
      await http.stop();
      state.flush();
    },
  };
}
