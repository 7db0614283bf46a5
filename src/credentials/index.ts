// AWS credentials from the device's AWS IoT certificate, for running outside Greengrass (systemd).
// It is the exchange Greengrass's token exchange service makes for its components: an mTLS GET of
// https://<credentials endpoint>/role-aliases/<role alias>/credentials with the thing's certificate,
// answered with short-lived credentials of the role the alias points at. aws-crt has an X.509
// provider too, but it only feeds CRT signing: it offers no way to hand the credentials to the
// JavaScript AWS SDK, so the request is made here with Node's https.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Where and how to fetch the credentials. */
export interface IotCertificateOptions {
  /** `aws iot describe-endpoint --endpoint-type iot:CredentialProvider`, optionally host:port. */
  endpoint: string;
  roleAlias: string;
  thingName: string;
  certPath: string;
  keyPath: string;
  /** The CA that signed the endpoint's certificate (AmazonRootCA1.pem); Node's bundle when absent. */
  caPath?: string;
  timeoutMs?: number;
}

const VARIABLES = {
  endpoint: 'KVS_EDGE_IOT_CREDENTIALS_ENDPOINT',
  roleAlias: 'KVS_EDGE_IOT_ROLE_ALIAS',
  certPath: 'KVS_EDGE_IOT_CERT',
  keyPath: 'KVS_EDGE_IOT_KEY',
} as const;

/**
 * The options from KVS_EDGE_IOT_* variables (plus AWS_IOT_THING_NAME); undefined when none is set,
 * so the SDK's default chain applies. Some but not all set is a mistake, reported by name.
 */
export function iotCertificateOptionsFromEnv(env: NodeJS.ProcessEnv): IotCertificateOptions | undefined {
  const set = Object.values(VARIABLES).filter((name) => env[name]);
  if (set.length === 0) return undefined;
  const missing = [...Object.values(VARIABLES), 'AWS_IOT_THING_NAME'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `IoT certificate credentials need ${missing.join(', ')} as well (set: ${set.join(', ')}); ` +
        'set them all, or none to use the default AWS credential chain (docs/deploy.md)',
    );
  }
  return {
    endpoint: env[VARIABLES.endpoint]!,
    roleAlias: env[VARIABLES.roleAlias]!,
    thingName: env.AWS_IOT_THING_NAME!,
    certPath: env[VARIABLES.certPath]!,
    keyPath: env[VARIABLES.keyPath]!,
    ...(env.KVS_EDGE_IOT_CA && { caPath: env.KVS_EDGE_IOT_CA }),
  };
}

/** A credential provider for the AWS SDK; each call makes one exchange (the SDK caches by expiry). */
export function fromIotCertificate(options: IotCertificateOptions): AwsCredentialIdentityProvider {
  return async () => {
    const [cert, key, ca] = await Promise.all([
      readFile(options.certPath),
      readFile(options.keyPath),
      options.caPath === undefined ? undefined : readFile(options.caPath),
    ]);
    const [host, port] = options.endpoint.replace(/^https:\/\//, '').split(':');
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        {
          host,
          port: port === undefined ? 443 : Number(port),
          path: `/role-aliases/${encodeURIComponent(options.roleAlias)}/credentials`,
          method: 'GET',
          headers: { 'x-amzn-iot-thingname': options.thingName },
          cert,
          key,
          ...(ca && { ca }),
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${options.endpoint} in time`)));
      req.on('error', reject);
      req.end();
    }).catch((err: Error) => {
      throw new Error(
        `cannot reach the AWS IoT credentials endpoint ${options.endpoint} with the certificate ${options.certPath}: ${err.message}`,
        { cause: err },
      );
    });
    if (status !== 200) {
      throw new Error(
        `the AWS IoT credentials endpoint refused role alias ${options.roleAlias} for thing ${options.thingName} ` +
          `(HTTP ${status} ${body.slice(0, 200)}); check the certificate's IoT policy allows iot:AssumeRoleWithCertificate on the role alias`,
      );
    }
    const c = (JSON.parse(body) as { credentials?: Record<string, string> }).credentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
      throw new Error(`the AWS IoT credentials endpoint ${options.endpoint} answered without credentials`);
    }
    const identity: AwsCredentialIdentity = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
    };
    return identity;
  };
}
