import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Uplink } from './faults.js';

/** A request handler; a thrown error becomes a 500 unless the handler answered already. */
export type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

/** A running loopback HTTP server. */
export interface HttpService {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Listen on host:port (0 = a free port); stop() also ends kept-alive connections so it returns at once. */
export async function startHttpServer(
  handler: HttpHandler,
  options: { host?: string; port?: number; log?: Logger; name: string; uplink?: Uplink },
): Promise<HttpService> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        options.log?.error({ err, service: options.name, url: req.url }, 'local service handler failed');
        if (!res.headersSent) sendJson(res, 500, { message: String(err) });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5000;
  options.uplink?.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    port,
    endpoint: `http://${host}:${port}`,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** Read a request body, refusing more than `limit` bytes (a client must not be able to exhaust memory). */
export async function readBody(req: http.IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}
