// The AWS IoT credentials provider stand-in: what a device outside Greengrass (and Greengrass's own
// token exchange service) calls to trade its X.509 certificate for role credentials.
// Like the real endpoint (AWS IoT Developer Guide, "Authorizing direct calls to AWS services using
// AWS IoT Core credential provider"): HTTPS with a client certificate, GET
// /role-aliases/<alias>/credentials, header x-amzn-iot-thingname, answer
// {"credentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}, 403 for an unknown
// role alias. Known differences: a certificate is accepted when the CA given here signed it (AWS
// accepts certificates registered and active in IoT, and checks the IoT policy for
// iot:AssumeRoleWithCertificate), and the thing name is not checked against the certificate's thing.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { CredentialAuthority } from './authority.js';

export interface IotCredentialsProviderOptions {
  /** PEM: the CA that signs device certificates (it also signs the server certificate). */
  ca: string | Buffer;
  /** PEM server certificate and key (for 127.0.0.1 / localhost). */
  cert: string | Buffer;
  key: string | Buffer;
  /** Role aliases that exist. */
  roleAliases: string[];
  authority?: CredentialAuthority;
  host?: string;
  port?: number;
  log?: Logger;
}

export interface IotCredentialsProvider {
  /** host:port, the value of KVS_EDGE_IOT_CREDENTIALS_ENDPOINT. */
  readonly endpoint: string;
  readonly authority: CredentialAuthority;
  /** Thing names of the requests answered with credentials, oldest first. */
  readonly things: readonly string[];
  stop(): Promise<void>;
}

const PATH = /^\/role-aliases\/([^/]+)\/credentials$/;

export async function startIotCredentialsProvider(
  options: IotCredentialsProviderOptions,
): Promise<IotCredentialsProvider> {
  const authority = options.authority ?? new CredentialAuthority();
  const things: string[] = [];
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = https.createServer(
    { ca: options.ca, cert: options.cert, key: options.key, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const match = PATH.exec((req.url ?? '').split('?')[0] ?? '');
      if (!socket.authorized) {
        send(res, 403, { message: 'Access Denied' });
        return;
      }
      if (req.method !== 'GET' || !match) {
        send(res, 404, { message: `no such resource: ${req.method} ${req.url}` });
        return;
      }
      const alias = decodeURIComponent(match[1]!);
      if (!options.roleAliases.includes(alias)) {
        options.log?.warn({ alias }, 'credentials requested for an unknown role alias');
        send(res, 403, { message: 'Access Denied' });
        return;
      }
      const thing = req.headers['x-amzn-iot-thingname'];
      things.push(typeof thing === 'string' ? thing : '');
      const c = authority.issue();
      send(res, 200, {
        credentials: {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
          expiration: new Date(c.expiresAt).toISOString(),
        },
      });
    },
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `${host}:${port}`,
    authority,
    things,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
