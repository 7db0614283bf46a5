// DESCRIBE against loopback servers that behave like real (and badly behaved) cameras: Basic auth on the
// wire, replies in pieces, a 404, wrong credentials twice, an HTTP server on the RTSP port, an endless
// reply, nothing listening. What the user sees is the failure class and its sentence.
import t from 'tap';
import net from 'node:net';
import { authorization, describe, parseRtspUrl } from '../../src/gst/describe.js';
import type { CameraFailure } from '../../src/gst/failures.js';

const ctx = { urlRef: 'cam1' };
const SDP = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';

/** A server that answers each request with what `reply` returns, written in the given pieces. */
async function camera(
  t: { teardown(fn: () => unknown): void },
  reply: (req: string, n: number) => string[] | null,
): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined); // the client hangs up on an oversized reply mid-write
    sock.on('data', (d) => {
      const pieces = reply(d.toString(), requests.length);
      requests.push(d.toString());
      if (pieces === null) return;
      const last = pieces.pop() ?? '';
      for (const p of pieces) sock.write(p);
      sock.end(last);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, requests };
}

const url = (port: number, creds = 'viewer:pw@') => parseRtspUrl(`rtsp://${creds}127.0.0.1:${port}/cam`, ctx);
const failure = (p: Promise<string>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: CameraFailure) => e,
  );

t.test('Basic auth on the wire, a reply in pieces, header lines without a colon', async (t) => {
  const cam = await camera(t, (req) => {
    if (!/Authorization: Basic /.test(req))
      return ['RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n'];
    return [
      'RTSP/1.0 200 OK\r\nCSeq: 2\r\n',
      'garbage line\r\nContent-Type: application/sdp\r\n',
      `Content-Length: ${SDP.length}\r\n\r\n${SDP.slice(0, 10)}`,
      SDP.slice(10),
    ];
  });
  t.equal(await describe(url(cam.port), ctx, 2000), SDP, 'the whole SDP, however it was split');
  t.equal(cam.requests.length, 2);
  t.match(cam.requests[0], /^DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/cam RTSP\/1\.0\r\nCSeq: 1\r\n/);
  t.notMatch(cam.requests[0], /Authorization|viewer|pw/, 'no credentials before the camera asks');
  t.match(cam.requests[1], `Authorization: Basic ${Buffer.from('viewer:pw').toString('base64')}\r\n`);
  t.notMatch(cam.requests[1], /viewer:pw@/, 'the URL on the wire has no user info');
});

t.test('a Digest challenge without realm or nonce is still answered', async (t) => {
  const a = authorization(['Digest qop="auth-int"'], 'DESCRIBE', 'rtsp://h/p', 'u', 'p', 'c')!;
  t.match(a, /^Digest username="u", realm="", nonce="", uri="rtsp:\/\/h\/p", response="[0-9a-f]{32}"$/);
  t.notMatch(a, 'qop=', 'only qop=auth is spoken');
});

t.test('each way a camera says no is its own failure class', async (t) => {
  const status = (line: string) => camera(t, () => [`RTSP/1.0 ${line}\r\nCSeq: 1\r\n\r\n`]);
  const notFound = await failure(describe(url((await status('404 Not Found')).port), ctx, 2000));
  t.equal(notFound.code, 'not-found');

  const wrong = await status('401 Unauthorized\r\nWWW-Authenticate: Basic realm="cam"');
  const denied = await failure(describe(url(wrong.port), ctx, 2000));
  t.equal(denied.code, 'unauthorized', 'credentials offered and refused');

  const bearer = await status('401 Unauthorized\r\nWWW-Authenticate: Bearer realm="cam"');
  t.equal((await failure(describe(url(bearer.port), ctx, 2000))).code, 'unauthorized', 'a scheme we lack');

  const odd = await failure(describe(url((await status('451 Parameter Not Understood')).port), ctx, 2000));
  t.equal(odd.code, 'other');
  t.match(odd.message, /DESCRIBE answered 451 Parameter Not Understood/);
});

t.test('not an RTSP camera: an HTTP server, an endless reply, nothing listening', async (t) => {
  const http = await camera(t, () => ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n']);
  const notRtsp = await failure(describe(url(http.port), ctx, 2000));
  t.equal(notRtsp.code, 'other');
  t.match(notRtsp.message, /not an RTSP reply: "HTTP\/1.1 400 Bad Request"/);

  const chunk = 'x'.repeat(64 * 1024);
  const endless = await camera(t, () => ['RTSP/1.0 200 OK\r\n', ...Array<string>(5).fill(chunk), '']);
  const big = await failure(describe(url(endless.port), ctx, 5000));
  t.equal(big.code, 'other');
  t.match(big.message, /oversized RTSP reply/);

  const closed = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const refused = await failure(describe(url(closed), ctx, 2000));
  t.equal(refused.code, 'unreachable');
  t.match(refused.message, /ECONNREFUSED/);
});
