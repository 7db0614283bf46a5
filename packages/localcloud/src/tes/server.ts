import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FaultInjector, sendJson, startHttpServer, type HttpService } from '../http/index.js';
import { CredentialAuthority } from './authority.js';

/** The path Greengrass's TES serves; the full URI is endpoint + TES_PATH. */
export const TES_PATH = '/2016-11-01/credentialprovider/';

export interface TesOptions {
  host?: string;
  port?: number;
  authority?: CredentialAuthority;
  /** The value clients must send in Authorization; random when omitted. */
  authToken?: string;
  log?: Logger;
}

/** A running token exchange service. */
export interface TokenExchangeService extends HttpService {
  /** Value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly credentialsUri: string;
  /** Value for AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  readonly authToken: string;
  readonly authority: CredentialAuthority;
  /** Fault injection; the operation name is "GetCredentials". */
  readonly faults: FaultInjector;
  /** Number of credential requests answered with credentials. */
  readonly requests: number;
}

export async function startTokenExchangeService(options: TesOptions = {}): Promise<TokenExchangeService> {
  const authority = options.authority ?? new CredentialAuthority();
  const authToken = options.authToken ?? randomBytes(24).toString('hex');
  const faults = new FaultInjector();
  let requests = 0;
  const http = await startHttpServer(
    (req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || (path !== TES_PATH && path !== TES_PATH.slice(0, -1))) {
        sendJson(res, 404, { message: `no such resource: ${req.method} ${path}` });
        return;
      }
      if (req.headers.authorization !== authToken) {
        // Greengrass answers a wrong or missing token with 403.
        options.log?.warn('token exchange request with a wrong authorization token');
        sendJson(res, 403, { message: 'Authorization token is missing or invalid' });
        return;
      }
      try {
        faults.check('GetCredentials');
      } catch (err) {
        const e = err as { status: number; message: string };
        sendJson(res, e.status, { message: e.message });
        return;
      }
      const c = authority.issue();
      requests += 1;
      sendJson(res, 200, {
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        Token: c.sessionToken,
        Expiration: new Date(c.expiresAt).toISOString(),
      });
    },
    { ...options, name: 'tes' },
  );
  return {
    port: http.port,
    endpoint: http.endpoint,
    stop: http.stop,
    credentialsUri: http.endpoint + TES_PATH,
    authToken,
    authority,
    faults,
    get requests() {
      return requests;
    },
  };
}
