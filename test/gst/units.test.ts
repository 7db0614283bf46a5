// The pure pieces of the camera source: SDP planning, RTSP auth and replies, the pipeline text,
// failure classification and rates. Socket cases use real loopback sockets.
import t from 'tap';
import net from 'node:net';
import { authorization, describe, parseResponse, parseRtspUrl } from '../../src/gst/describe.js';
import { CameraFailure, classifyGstError, classifySocketError } from '../../src/gst/failures.js';
import { RateMeter } from '../../src/gst/health.js';
import { pipelineArgv, pipelineDescription, quote } from '../../src/gst/pipeline.js';
import { parseSdp, planMedia } from '../../src/gst/sdp.js';
import { CameraSource } from '../../src/gst/index.js';

const ctx = { urlRef: 'secret cam1' };

const SDP = [
  'v=0',
  'm=video 0 RTP/AVP 26',
  'a=rtpmap:26 JPEG/90000',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H265/90000',
  'a=fmtp:96 sprop-vps=QAEM',
  'm=audio 0 RTP/AVP 8',
  'm=audio 0 RTP/AVP 97',
  'a=rtpmap:97 MPEG4-GENERIC/16000/1',
  'a=fmtp:97 streamtype=5; mode=AAC-hbr; config=1408',
].join('\r\n');

t.test('SDP: tracks, static payload types, the plan', async (t) => {
  const streams = parseSdp(SDP);
  t.same(
    streams.map((s) => [s.media, s.encodingName]),
    [
      ['video', 'JPEG'],
      ['video', 'H265'],
      ['audio', 'PCMA'],
      ['audio', 'MPEG4-GENERIC'],
    ],
  );
  t.equal(streams[3]!.clockRate, 16000);
  t.equal(streams[3]!.channels, 1);
  t.equal(streams[3]!.fmtp.mode, 'AAC-hbr');
  const plan = planMedia(streams, true, ctx);
  t.same(plan.video, { codec: 'h265', encodingName: 'H265' }, 'the H.265 track, not the MJPEG one');
  t.same(plan.audio, { codec: 'pcma', encodingName: 'PCMA' }, 'first supported audio track');
  t.notOk(planMedia(streams, false, ctx).audio, 'audio off');
  const latm = planMedia(
    parseSdp(
      'm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 0 RTP/AVP 98\na=rtpmap:98 MP4A-LATM/48000/2',
    ),
    true,
    ctx,
  );
  t.equal(latm.audio?.codec, 'aac-latm');
  const g726 = planMedia(
    parseSdp('m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 0 RTP/AVP 99\na=rtpmap:99 G726-32/8000'),
    true,
    ctx,
  );
  t.equal(g726.skippedAudio, 'G726-32', 'unsupported audio is skipped, video still recorded');
  t.equal(
    planMedia(parseSdp('m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 0 RTP/AVP 0'), true, ctx).audio
      ?.codec,
    'pcmu',
  );
  const celp = planMedia(
    parseSdp(
      'm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 0 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/8000\na=fmtp:97 mode=CELP-cbr',
    ),
    true,
    ctx,
  );
  t.notOk(celp.audio, 'MPEG-4 CELP is not AAC');
  const mjpeg = t.throws(() => planMedia(parseSdp('m=video 0 RTP/AVP 26'), true, ctx)) as CameraFailure;
  t.equal(mjpeg.code, 'unsupported-codec');
  t.match(mjpeg.message, /Motion JPEG \(MJPEG\)/);
  t.match(
    (t.throws(() => planMedia(parseSdp('m=audio 0 RTP/AVP 0'), true, ctx)) as Error).message,
    /no video track/,
  );
  t.match(
    (t.throws(() => planMedia(parseSdp('m=video 0 RTP/AVP 100'), true, ctx)) as Error).message,
    /payload 100/,
  );
});

t.test('RTSP auth: Basic, Digest with and without qop (RFC 2617 vector)', async (t) => {
  t.equal(
    authorization(['Basic realm="x"'], 'DESCRIBE', 'rtsp://h/p', 'Aladdin', 'open sesame'),
    'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
  );
  const rfc = authorization(
    [
      'Basic realm="x"',
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ],
    'GET',
    '/dir/index.html',
    'Mufasa',
    'Circle Of Life',
    '0a4f113b',
  )!;
  t.match(rfc, /^Digest /, 'Digest preferred over Basic');
  t.match(rfc, 'response="6629fae49393a05397450978507c4ef1"', 'RFC 2617 section 3.5 example');
  t.match(rfc, 'opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  t.match(rfc, 'nc=00000001');
  const noQop = authorization(
    ['Digest realm="r", nonce="n", algorithm=MD5'],
    'DESCRIBE',
    'rtsp://h/p',
    'u',
    'p',
  )!;
  t.notMatch(noQop, 'qop=');
  t.match(noQop, 'algorithm=MD5');
  t.equal(authorization(['Bearer x'], 'DESCRIBE', 'u', 'a', 'b'), undefined, 'unknown scheme');
});

t.test('RTSP replies and URLs', async (t) => {
  t.equal(
    parseResponse(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nab')),
    undefined,
    'body incomplete',
  );
  t.equal(parseResponse(Buffer.from('RTSP/1.0 200 OK\r\n')), undefined, 'head incomplete');
  t.equal(parseResponse(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab'))!.body, 'ab');
  t.equal(parseResponse(Buffer.from('HTTP/1.1 400 Bad\r\n\r\n'))!.status, 0, 'not RTSP');
  const u = parseRtspUrl('rtsp://ad%40min:p%40ss%3Aw@[::1]:8554/a/b?c=1', ctx);
  t.same(u, {
    host: '::1',
    port: 8554,
    requestUrl: 'rtsp://[::1]:8554/a/b?c=1',
    user: 'ad@min',
    password: 'p@ss:w',
  });
  t.equal(parseRtspUrl('rtsp://cam/x', ctx).port, 554);
  t.match((t.throws(() => parseRtspUrl('not a url', ctx)) as Error).message, /not a valid URL/);
  t.match((t.throws(() => parseRtspUrl('http://cam/x', ctx)) as Error).message, /only rtsp/);
});

function server(
  t: { teardown(fn: () => unknown): void },
  reply: (req: string, n: number) => string | null,
): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const sockets = new Set<net.Socket>();
    const s = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('data', (d) => {
        const r = reply(d.toString(), n++);
        if (r !== null) sock.end(r);
      });
    });
    s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    t.teardown(() => {
      for (const x of sockets) x.destroy();
      s.close();
    });
  });
}

t.test('DESCRIBE against loopback servers: digest, status codes, silence', async (t) => {
  const sdp = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';
  let auth = '';
  const digest = await server(t, (req, n) => {
    if (n === 0)
      return 'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm="cam", nonce="abc"\r\n\r\n';
    auth = /Authorization: (.*)\r\n/.exec(req)?.[1] ?? '';
    return `RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
  });
  const got = await describe(parseRtspUrl(`rtsp://u:pw@127.0.0.1:${digest}/x`, ctx), ctx, 2000);
  t.equal(got, sdp);
  t.match(auth, /^Digest username="u", realm="cam", nonce="abc", uri="rtsp:\/\/127.0.0.1:\d+\/x"/);

  const status = (code: string) => server(t, () => `RTSP/1.0 ${code}\r\nCSeq: 1\r\n\r\n`);
  const codeOf = async (port: number, user = 'u:pw@') =>
    (
      (await describe(parseRtspUrl(`rtsp://${user}127.0.0.1:${port}/x`, ctx), ctx, 2000).catch(
        (e) => e,
      )) as CameraFailure
    ).code;
  t.equal(await codeOf(await status('403 Forbidden')), 'unauthorized');
  t.equal(await codeOf(await status('503 Service Unavailable')), 'other');
  t.equal(await codeOf(await status('401 Unauthorized'), ''), 'unauthorized', 'no credentials to offer');
  const silent = await server(t, () => null);
  t.equal(await codeOf(silent), 'timeout');
  const closing = await server(t, () => '');
  t.equal(await codeOf(closing), 'unreachable', 'closed without a reply');
  const ac = new AbortController();
  const pending = describe(parseRtspUrl(`rtsp://127.0.0.1:${silent}/x`, ctx), ctx, 5000, ac.signal).catch(
    (e) => e,
  );
  ac.abort();
  t.match(((await pending) as Error).message, /stopped/);
  const aborted = await describe(
    parseRtspUrl(`rtsp://127.0.0.1:${silent}/x`, ctx),
    ctx,
    5000,
    ac.signal,
  ).catch((e) => e);
  t.match((aborted as Error).message, /stopped/);
});

t.test('pipeline description', async (t) => {
  const d = pipelineDescription(
    'rtsp://u:p"a\\ss@cam/x',
    {
      video: { codec: 'h264', encodingName: 'H264' },
      audio: { codec: 'aac-latm', encodingName: 'MP4A-LATM' },
    },
    { latencyMs: 200.4 },
  );
  t.match(d, 'location="rtsp://u:p\\"a\\\\ss@cam/x" protocols=tcp latency=200');
  t.match(d, 'encoding-name=MP4A-LATM ! rtpmp4adepay ! aacparse ! mux.');
  t.notMatch(d, /avdec|dec !|enc !|x26[45]|convert/, 'no decoder, encoder or converter');
  t.equal(quote('a b'), '"a b"');
  t.same(pipelineArgv('a location="x y\\" z" ! b'), ['a', 'location="x y\\" z"', '!', 'b']);
});

t.test('failure classes from GStreamer messages', async (t) => {
  const cls = (s: string) => classifyGstError(s, ctx).code;
  t.equal(cls('ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:src: Unauthorized'), 'unauthorized');
  t.equal(cls('ERROR: from element /x: Not Found'), 'not-found');
  t.equal(
    cls(
      'Got message from element "src" (element): GstRTSPSrcTimeout, cause=(GstRTSPSrcTimeoutCause)GST_RTSP_SRC_TIMEOUT_CAUSE_RTCP',
    ),
    'timeout',
  );
  t.equal(
    cls('ERROR: from element /x: Internal data stream error.\nstreaming stopped, reason not-negotiated (-4)'),
    'unsupported-codec',
  );
  t.equal(cls('ERROR: from element /x: Could not open resource for reading and writing.'), 'unreachable');
  const other = classifyGstError('ERROR: from element /x: something odd', ctx);
  t.equal(other.code, 'other');
  t.match(other.message, 'something odd');
  t.equal(other.detail, 'ERROR: from element /x: something odd', 'the tail is kept as detail');
  t.equal(classifyGstError('no error line', {}).code, 'other');
  t.equal(classifySocketError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), ctx).code, 'timeout');
  t.match(
    classifySocketError(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), {}).message,
    /EHOSTUNREACH.*the camera's RTSP URL/,
  );
});

t.test('rates are averaged over ten seconds', async (t) => {
  let now = 100_000;
  const m = new RateMeter(() => now);
  for (let s = 0; s < 12; s++) {
    m.add(900);
    now += 1000;
  }
  t.equal(m.perSecond(), 900, 'steady rate');
  now += 20_000;
  t.equal(m.perSecond(), 0, 'old buckets expire');
});

t.test('the gst-launch launcher refuses URLs with a password', async (t) => {
  const err = t.throws(
    () =>
      new CameraSource({
        cameraId: 'c',
        url: 'rtsp://u:secretpw@cam/x',
        launcher: 'gst-launch',
        onFragment: () => undefined,
      }),
  ) as CameraFailure;
  t.match(err.message, /command line/);
  t.notMatch(err.message, 'secretpw');
});

t.test(
  'a missing launcher binary is a classified failure, and stop() during backoff ends at once',
  async (t) => {
    const camera = net.createServer((s) =>
      s.on('data', () => {
        const sdp = 'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';
        s.end(`RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
      }),
    );
    await new Promise<void>((r) => camera.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => camera.close());
    const health: string[] = [];
    let backingOff!: () => void;
    const backedOff = new Promise<void>((r) => (backingOff = r));
    const source = new CameraSource({
      cameraId: 'c',
      url: `rtsp://127.0.0.1:${(camera.address() as net.AddressInfo).port}/x`,
      launcher: 'gst-launch',
      gstLaunchPath: '/nonexistent/gst-launch-1.0',
      timing: { backoffBaseMs: 60_000 },
      onFragment: () => undefined,
      onHealth: (h) => {
        health.push(`${h.state}:${h.lastError?.code ?? ''}`);
        if (h.state === 'backing-off') backingOff();
      },
    });
    source.start();
    await backedOff;
    const began = Date.now();
    await source.stop();
    t.ok(Date.now() - began < 1000, 'no waiting out a 60 s backoff');
    t.match(
      health.find((h) => h.startsWith('backing-off')),
      /backing-off:other/,
    );
    t.equal(source.health().state, 'stopped');
  },
);
