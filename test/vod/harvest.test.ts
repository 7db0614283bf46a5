// Harvest syntax cases served from a loopback HTTP server (the local MediaPackage does not repackage):
// HLS parent with EXT-X-MEDIA (quoted commas), I-frame playlist, EXT-X-MAP, BYTERANGE, blank lines,
// ../ paths; DASH with SegmentTimeline ($Time$, t omitted, r and r=-1) and without ($Number%05d$,
// partial last segment); CDN identifier header from Secrets Manager; skip on re-run; size check.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import {
  dashReferences,
  folderSink,
  harvestManifest,
  hlsReferences,
  isoDurationSeconds,
  manifestKind,
} from '../../src/vod/index.js';
import { tempDir } from './fixtures.js';

const FILES: Record<string, string> = {
  '/out/v1/g/a/c/index.m3u8': [
    '#EXTM3U',
    '',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English, main",URI="../../x/audio.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="avc1.640015,mp4a.40.2",AUDIO="aac"',
    'v/index_1.m3u8',
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="v/iframe.m3u8"',
    '',
  ].join('\r\n'),
  '/out/v1/g/a/c/v/index_1.m3u8':
    '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n\n#EXTINF:2,\nseg_1.mp4\n#EXTINF:2,\n\nseg_2.mp4\n#EXT-X-ENDLIST\n',
  '/out/v1/g/a/c/v/iframe.m3u8':
    '#EXTM3U\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\nseg_1.mp4\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\nseg_2.mp4\n#EXT-X-ENDLIST\n',
  '/out/v1/g/x/audio.m3u8': '#EXTM3U\n#EXTINF:2,\na_1.aac\n#EXTINF:2,\na_2.aac\n#EXT-X-ENDLIST\n',
  '/out/v1/g/a/c/v/init.mp4': 'init',
  '/out/v1/g/a/c/v/seg_1.mp4': 'segment one',
  '/out/v1/g/a/c/v/seg_2.mp4': 'segment two',
  '/out/v1/g/x/a_1.aac': 'aac1',
  '/out/v1/g/x/a_2.aac': 'aac2',
  '/dash/index.mpd': `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="PT5.5S">
  <Period id="1">
    <AdaptationSet mimeType="video/mp4">
      <SegmentTemplate timescale="90000" media="v_$RepresentationID$_$Time$.mp4" initialization="v_$RepresentationID$_init.mp4">
        <SegmentTimeline><S t="1000" d="180000" r="1"/><S d="135000"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="hi" bandwidth="500000"/>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4">
      <Representation id="aud" bandwidth="64000">
        <BaseURL>audio/</BaseURL>
        <SegmentTemplate timescale="1000" duration="2000" startNumber="1" media="a_$Number%05d$.mp4" initialization="a_init.mp4"/>
      </Representation>
    </AdaptationSet>
    <AdaptationSet mimeType="text/vtt">
      <SegmentTemplate timescale="10" media="t_$Number$.vtt" startNumber="0">
        <SegmentTimeline><S t="0" d="20" r="-1"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="sub"/>
    </AdaptationSet>
  </Period>
</MPD>`,
};
for (const f of [
  'v_hi_init.mp4',
  'v_hi_1000.mp4',
  'v_hi_181000.mp4',
  'v_hi_361000.mp4',
  'audio/a_init.mp4',
  'audio/a_00001.mp4',
  'audio/a_00002.mp4',
  'audio/a_00003.mp4',
  't_0.vtt',
  't_1.vtt',
  't_2.vtt',
])
  FILES[`/dash/${f}`] = `dash ${f}`;

const requests: { url: string; cdn?: string }[] = [];
let shortBody: string | undefined;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x').pathname;
  requests.push({
    url,
    ...(typeof req.headers['x-mediapackage-cdnidentifier'] === 'string' && {
      cdn: req.headers['x-mediapackage-cdnidentifier'],
    }),
  });
  const body = FILES[url];
  if (body === undefined) return void res.writeHead(404).end();
  if (url === shortBody) {
    // Claims more than it sends: a cut download.
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) + 10 });
    res.write(body);
    return void res.destroy();
  }
  res.writeHead(200, {
    'content-type': url.endsWith('.m3u8') ? 'binary/octet-stream' : 'application/octet-stream',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
t.teardown(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

t.test('HLS: every playlist and file, relative layout kept, header sent, skip on re-run', async (t) => {
  const dest = await tempDir(t, 'hls');
  requests.length = 0;
  const progress: number[] = [];
  const r = await harvestManifest(`${base}/out/v1/g/a/c/index.m3u8`, folderSink(dest), 'asset/hls', 'hls', {
    headers: { 'X-MediaPackage-CDNIdentifier': 'cdn-secret-id' },
    concurrency: 2,
    onProgress: (p) => progress.push(p.done),
  });
  t.equal(r.manifest, 'asset/hls/a/c/index.m3u8');
  t.same(await walk(path.join(dest, 'asset/hls')), [
    'a/c/index.m3u8',
    'a/c/v/iframe.m3u8',
    'a/c/v/index_1.m3u8',
    'a/c/v/init.mp4',
    'a/c/v/seg_1.mp4',
    'a/c/v/seg_2.mp4',
    'x/a_1.aac',
    'x/a_2.aac',
    'x/audio.m3u8',
  ]);
  t.equal(await readFile(path.join(dest, 'asset/hls/a/c/v/seg_2.mp4'), 'utf8'), 'segment two');
  t.ok(
    requests.every((q) => q.cdn === 'cdn-secret-id'),
    'CDN identifier on every request',
  );
  t.equal(requests.filter((q) => q.url.endsWith('seg_1.mp4')).length, 1, 'a BYTERANGE file is fetched once');
  t.equal(progress.at(-1), 9);
  requests.length = 0;
  const again = await harvestManifest(
    `${base}/out/v1/g/a/c/index.m3u8`,
    folderSink(dest),
    'asset/hls',
    'hls',
  );
  t.equal(again.downloaded, 0);
  t.equal(again.skipped, 5);
  t.notOk(
    requests.some((q) => !q.url.endsWith('.m3u8')),
    'only the playlists are read again',
  );
});

t.test(
  'DASH: timeline with and without t, r=-1, number template, BaseURL, partial last segment',
  async (t) => {
    const dest = await tempDir(t, 'dash');
    const r = await harvestManifest(`${base}/dash/index.mpd`, folderSink(dest), 'asset/dash', 'dash');
    t.equal(r.error, undefined);
    t.same(await walk(path.join(dest, 'asset/dash')), [
      'audio/a_00001.mp4',
      'audio/a_00002.mp4',
      'audio/a_00003.mp4',
      'audio/a_init.mp4',
      'index.mpd',
      't_0.vtt',
      't_1.vtt',
      't_2.vtt',
      'v_hi_1000.mp4',
      'v_hi_181000.mp4',
      'v_hi_361000.mp4',
      'v_hi_init.mp4',
    ]);
  },
);

t.test('a cut download is retried and then reported; nothing half-written is left', async (t) => {
  const dest = await tempDir(t, 'cut');
  shortBody = '/out/v1/g/x/a_2.aac';
  t.teardown(() => void (shortBody = undefined));
  await t.rejects(
    harvestManifest(`${base}/out/v1/g/a/c/index.m3u8`, folderSink(dest), 'asset/hls', 'hls', {
      retryDelayMs: 1,
      attempts: 2,
    }),
    { code: 'harvest-failed' },
  );
  t.notOk((await walk(dest)).some((f) => f.endsWith('a_2.aac')));
  await t.rejects(
    harvestManifest(`${base}/missing.m3u8`, folderSink(dest), 'x', 'x', { retryDelayMs: 1 }),
    /HTTP 404/,
  );
  await t.rejects(harvestManifest(`${base}/x.json`, folderSink(dest), 'x', 'x'), /neither an HLS/);
});

t.test('parsers on their own', async (t) => {
  t.equal(manifestKind('https://h/out/index.m3u8'), 'hls');
  t.equal(manifestKind('https://h/x?format=mpd-time-csf'), 'dash');
  t.equal(manifestKind('https://h/x.ism/Manifest'), undefined);
  t.throws(() => hlsReferences('<html>', 'http://h/a.m3u8'), /not an HLS playlist/);
  t.throws(() => dashReferences('<html/>', 'http://h/a.mpd'), /not a DASH manifest/);
  t.equal(isoDurationSeconds('PT1H2M3.5S'), 3723.5);
  t.equal(isoDurationSeconds('P1DT1S'), 86401);
  t.equal(isoDurationSeconds('bogus'), undefined);
  const refs = hlsReferences(
    '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="https://keys/k"\n#EXTINF:2,\nhttps://cdn/abs.ts\n',
    'http://h/p/a.m3u8',
  );
  t.same(refs, { playlists: [], files: ['https://cdn/abs.ts'] }, 'key URIs are not harvested');
});
