// A minimal RTSP client that sends one DESCRIBE (with Basic or Digest auth) and returns the SDP. We ask
// the camera what it offers before building a pipeline, so the pipeline names exact depayloaders and a
// 401/404/unsupported codec is reported precisely, without parsing GStreamer's prose. It is also far
// cheaper than gst-discoverer, which would set up and play the whole stream once.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { CameraFailure, classifySocketError, failureFor, type FailureContext } from './failures.js';

/** The URL split into what goes on the wire and the credentials that never do. */
export interface RtspTarget {
  host: string;
  port: number;
  /** rtsp://host:port/path?query, without user info. */
  requestUrl: string;
  user: string;
  password: string;
}

export function parseRtspUrl(url: string, ctx: FailureContext): RtspTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw failureFor('other', ctx, 'the RTSP URL is not a valid URL');
  }
  if (u.protocol !== 'rtsp:')
    throw failureFor('other', ctx, `only rtsp:// URLs are supported, not ${u.protocol}`);
  const port = u.port ? Number(u.port) : 554;
  const host = u.hostname;
  return {
    host: host.startsWith('[') ? host.slice(1, -1) : host,
    port,
    requestUrl: `rtsp://${u.host}${u.pathname}${u.search}`,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

interface RtspResponse {
  status: number;
  reason: string;
  headers: [string, string][];
  body: string;
}

function header(res: RtspResponse, name: string): string[] {
  return res.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function authParams(challenge: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g))
    out[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  return out;
}

/** The Authorization header for one request, answering the strongest challenge we understand. */
export function authorization(
  challenges: string[],
  method: string,
  uri: string,
  user: string,
  password: string,
  cnonce = randomBytes(8).toString('hex'),
): string | undefined {
  const digest = challenges.find((c) => /^Digest\s/i.test(c));
  if (digest) {
    const p = authParams(digest);
    const realm = p.realm ?? '';
    const nonce = p.nonce ?? '';
    const ha1 = md5(`${user}:${realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = p.qop
      ?.split(',')
      .map((q) => q.trim())
      .includes('auth')
      ? 'auth'
      : undefined;
    const nc = '00000001';
    const response = qop
      ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    const parts = [
      `username="${user}"`,
      `realm="${realm}"`,
      `nonce="${nonce}"`,
      `uri="${uri}"`,
      `response="${response}"`,
    ];
    if (p.algorithm) parts.push(`algorithm=${p.algorithm}`);
    if (p.opaque !== undefined) parts.push(`opaque="${p.opaque}"`);
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
    return `Digest ${parts.join(', ')}`;
  }
  if (challenges.some((c) => /^Basic\b/i.test(c))) {
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return undefined;
}

// An SDP is a few kB; a reply much larger than this is not an RTSP camera talking.
const MAX_REPLY_BYTES = 256 * 1024;

/** Sends DESCRIBE (twice when the camera asks for credentials) and returns the SDP text. */
export async function describe(
  target: RtspTarget,
  ctx: FailureContext,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const first = await request(target, undefined, timeoutMs, ctx, signal);
  let res = first;
  if (first.status === 401) {
    const auth = target.user
      ? authorization(
          header(first, 'www-authenticate'),
          'DESCRIBE',
          target.requestUrl,
          target.user,
          target.password,
        )
      : undefined;
    if (auth === undefined) throw failureFor('unauthorized', ctx);
    res = await request(target, auth, timeoutMs, ctx, signal);
  }
  if (res.status === 401 || res.status === 403) throw failureFor('unauthorized', ctx);
  if (res.status === 404) throw failureFor('not-found', ctx);
  if (res.status !== 200) throw failureFor('other', ctx, `DESCRIBE answered ${res.status} ${res.reason}`);
  return res.body;
}

// One connection per request: cameras differ on keeping a connection open after a 401.
function request(
  target: RtspTarget,
  auth: string | undefined,
  timeoutMs: number,
  ctx: FailureContext,
  signal?: AbortSignal,
): Promise<RtspResponse> {
  return new Promise<RtspResponse>((resolve, reject) => {
    if (signal?.aborted) return reject(new CameraFailure('other', 'camera source stopped'));
    const socket = net.connect({ host: target.host, port: target.port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, res?: RtspResponse) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const onAbort = () => done(new CameraFailure('other', 'camera source stopped'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => done(failureFor('timeout', ctx, `no answer to RTSP DESCRIBE in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      const lines = [
        `DESCRIBE ${target.requestUrl} RTSP/1.0`,
        `CSeq: ${auth ? 2 : 1}`,
        'Accept: application/sdp',
        'User-Agent: kvs-edge-connector',
      ];
      if (auth) lines.push(`Authorization: ${auth}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_REPLY_BYTES)
        return done(failureFor('other', ctx, 'the camera sent an oversized RTSP reply'));
      const res = parseResponse(buf);
      if (res) done(null, res);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(classifySocketError(err, ctx)));
    socket.once('close', () =>
      done(failureFor('unreachable', ctx, 'connection closed before the DESCRIBE reply')),
    );
  });
}

/** A complete response, or undefined while bytes are missing. */
export function parseResponse(buf: Buffer): RtspResponse | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^RTSP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(head[0] ?? '');
  if (!status)
    return {
      status: 0,
      reason: `not an RTSP reply: ${JSON.stringify(head[0]?.slice(0, 40))}`,
      headers: [],
      body: '',
    };
  const headers: [string, string][] = [];
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const res: RtspResponse = { status: Number(status[1]), reason: status[2] ?? '', headers, body: '' };
  const length = Number(header(res, 'content-length')[0] ?? 0);
  if (buf.length < end + 4 + length) return undefined;
  res.body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
  return res;
}
