// A small PutMedia caller for tests: SigV4 over the headers only (body-less signature, as the C
// producers do), a chunked body written on demand, and ACKs split out of the response as they arrive.
import http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const TEST_CREDS: Creds = {
  accessKeyId: 'AKIDLOCALTEST',
  secretAccessKey: 'local-secret',
  sessionToken: 'tok',
};

/** The fixed key pair the tests' CredentialLookup knows. */
export function testLookup(expiresAt = () => Date.now() + 3600_000) {
  return {
    find: (id: string) =>
      id === TEST_CREDS.accessKeyId
        ? {
            secretAccessKey: TEST_CREDS.secretAccessKey,
            sessionToken: TEST_CREDS.sessionToken,
            expiresAt: expiresAt(),
          }
        : undefined,
  };
}

export interface Ack {
  EventType: string;
  FragmentTimecode?: number;
  FragmentNumber?: string;
  ErrorId?: number;
  ErrorCode?: string;
}

export interface PutMediaOptions {
  endpoint: string;
  streamName?: string;
  streamArn?: string;
  creds?: Creds;
  timecodeType?: string;
  producerStart?: string;
  /** Extra or replacement headers, added before signing. */
  headers?: Record<string, string>;
  /** Applied after signing (to break the signature). */
  tamper?: (headers: Record<string, string>) => void;
  signingDate?: Date;
}

export interface PutMediaCall {
  status: Promise<number>;
  headers: Promise<http.IncomingHttpHeaders>;
  /** Error body for non-200 answers. */
  errorBody: Promise<Record<string, string> | undefined>;
  acks: Ack[];
  write(bytes: Buffer): Promise<void>;
  end(bytes?: Buffer): void;
  /** Resolves when an ACK matching `pred` has arrived. */
  waitForAck(pred: (a: Ack) => boolean, timeoutMs?: number): Promise<Ack>;
  /** Resolves when the response ended ('end') or the connection broke ('error'). */
  closed: Promise<'end' | 'error'>;
  destroy(): void;
}

export async function openPutMedia(o: PutMediaOptions): Promise<PutMediaCall> {
  const url = new URL(o.endpoint);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amzn-fragment-timecode-type': o.timecodeType ?? 'ABSOLUTE',
    'x-amzn-producer-start-timestamp': o.producerStart ?? (Date.now() / 1000).toFixed(3),
    'x-amzn-fragment-acknowledgment-required': '1',
    ...(o.streamName !== undefined ? { 'x-amzn-stream-name': o.streamName } : {}),
    ...(o.streamArn !== undefined ? { 'x-amzn-stream-arn': o.streamArn } : {}),
    ...o.headers,
  };
  const signer = new SignatureV4({
    credentials: o.creds ?? TEST_CREDS,
    region: 'us-east-1',
    service: 'kinesisvideo',
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/putMedia',
      headers,
    }),
    o.signingDate ? { signingDate: o.signingDate } : undefined,
  );
  const sent = {
    ...(signed.headers as Record<string, string>),
    'transfer-encoding': 'chunked',
    connection: 'keep-alive',
  };
  o.tamper?.(sent);
  const agent = new http.Agent({ keepAlive: false });
  const req = http.request({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: '/putMedia',
    headers: sent,
    agent,
  });
  req.flushHeaders(); // the service answers 200 on the headers alone
  const acks: Ack[] = [];
  const waiters = new Set<() => void>();
  let resolveClosed!: (v: 'end' | 'error') => void;
  const closed = new Promise<'end' | 'error'>((r) => (resolveClosed = r));
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', (err) => {
      resolveClosed('error');
      reject(err);
    });
  });
  response.catch(() => undefined);
  const errorBody = response.then(async (res) => {
    if (res.statusCode === 200) return undefined;
    let text = '';
    for await (const c of res) text += String(c);
    return JSON.parse(text) as Record<string, string>;
  });
  errorBody.catch(() => undefined);
  void response.then(
    (res) => {
      if (res.statusCode !== 200) return;
      let pending = '';
      let depth = 0;
      let inString = false;
      let escaped = false;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        for (const ch of text) {
          if (depth > 0) pending += ch;
          if (inString) {
            if (escaped) escaped = false;
            else if (ch === '\\') escaped = true;
            else if (ch === '"') inString = false;
            continue;
          }
          if (ch === '"') inString = true;
          else if (ch === '{') {
            if (depth === 0) pending = '{';
            depth++;
          } else if (ch === '}' && --depth === 0) {
            acks.push(JSON.parse(pending) as Ack);
            for (const w of [...waiters]) w();
          }
        }
      });
      res.on('end', () => resolveClosed('end'));
      res.on('error', () => resolveClosed('error'));
      res.on('aborted', () => resolveClosed('error'));
    },
    () => undefined,
  );
  return {
    status: response.then((r) => r.statusCode ?? 0),
    headers: response.then((r) => r.headers),
    errorBody,
    acks,
    write: (bytes) =>
      new Promise<void>((resolve) => {
        if (req.destroyed) return resolve();
        req.write(bytes, () => resolve());
      }),
    end: (bytes) => {
      if (!req.destroyed) req.end(bytes);
    },
    waitForAck(pred, timeoutMs = 5000) {
      return new Promise<Ack>((resolve, reject) => {
        const check = () => {
          const found = acks.find(pred);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching ACK within ${timeoutMs} ms; got ${JSON.stringify(acks)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed,
    destroy: () => req.destroy(),
  };
}

/** Sends `body` in small chunks and returns every ACK once the response ends. */
export async function putMediaAll(o: PutMediaOptions & { body: Buffer; chunkSize?: number }): Promise<{
  status: number;
  acks: Ack[];
  errorBody?: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}> {
  const call = await openPutMedia(o);
  const status = await call.status;
  if (status !== 200) {
    call.destroy();
    return { status, acks: [], errorBody: await call.errorBody, headers: await call.headers };
  }
  const size = o.chunkSize ?? 997;
  for (let i = 0; i < o.body.length; i += size) await call.write(o.body.subarray(i, i + size));
  call.end();
  await call.closed;
  return { status, acks: call.acks, headers: await call.headers };
}
