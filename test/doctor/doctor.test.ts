// `kvs-edge doctor` against the local cloud and the RTSP test camera: a working camera passes, and
// each failure a new device owner meets is one FAIL line that names it and says what to do: wrong
// password (401), unreachable camera, unsupported codec (MJPEG), missing secret, hub not found, disk
// almost full (an injectable threshold: no tmpfs can be mounted here) and no credentials.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addCamera, deploy, frontAndBackDoor } from '../connector/fixtures.js';
import { kvsEdge } from '../cli/run.js';
import type { CheckResult } from '../../src/doctor/index.js';
import { tsChild } from '@kvs-edge/localcloud/testkit';

t.test('one line per check; every camera problem named with its fix; no password printed', async (t) => {
  const d = await deploy(t);
  const { camera, front: good, back: wrong } = await frontAndBackDoor(t, d);
  const mjpeg = await addCamera(d, {
    name: 'Motion JPEG',
    streamName: 'mjpeg',
    rtspUrl: camera.url('/mjpeg'),
  });
  const gone = await addCamera(d, {
    name: 'Unplugged',
    streamName: 'unplugged',
    rtspUrl: 'rtsp://viewer:gone-pass@127.0.0.1:9/cam',
  });
  const missing = await addCamera(d, {
    name: 'No secret',
    streamName: 'nosecret',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:deleted-AbCdEf',
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-doctor-'));
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    `SiteWiseAssetIdForHub: ${d.hub.assetId}\nRecordingsPath: ${path.join(dir, 'rec')}\n`,
  );
  const env = { ...d.cloud.env, SVCUID: '', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

  const r = await kvsEdge(['doctor', '--config', config, '--json', '--min-free-mb', '1'], env);
  t.equal(r.code, 1, 'a FAIL makes the exit code 1');
  const { results } = JSON.parse(r.out) as { results: CheckResult[] };
  const find = (check: RegExp) => results.filter((x) => check.test(x.check));
  const one = (check: RegExp) => {
    const found = find(check);
    t.equal(found.length, 1, `one line for ${check}`);
    return found[0]!;
  };
  t.match(one(/^GStreamer elements$/), { level: 'OK', detail: /rtspsrc.*matroskamux/ });
  t.match(one(/^python3-gi$/), { level: 'OK' });
  t.match(one(/^disk space of /), { level: 'OK', detail: /MB free/ });
  t.match(one(/^AWS credentials$/), { level: 'OK', detail: /AWS_ACCESS_KEY_ID/ });
  t.match(one(/^clock$/), { level: 'OK', detail: /AWS by \d+ s/ });
  t.match(one(/^hub$/), { level: 'OK', detail: /Gateway hub .* model EdgeConnectorForKVSHubModel/ });
  t.match(one(new RegExp(`^camera Front door: RTSP`)), {
    level: 'OK',
    detail: 'reachable, authenticated, records video h264',
  });
  t.match(one(/^camera Front door: secret$/), { level: 'OK', detail: /rtsp:\/\/viewer:\*\*\*@/ });
  t.match(one(/^camera Front door: VideoUploadRequest notifications$/), { level: 'OK' });
  t.match(one(/^camera Front door: KVS stream$/), { level: 'WARN', fix: /creates it/ });
  t.match(one(/^camera Back door: RTSP/), {
    level: 'FAIL',
    fix: /refused the user name or password \(401\)/,
  });
  t.match(one(/^camera Motion JPEG: RTSP/), { level: 'FAIL', detail: /JPEG/i, fix: /H\.264 or H\.265/ });
  t.match(one(/^camera Unplugged: RTSP/), { level: 'FAIL', fix: /cannot be reached/ });
  t.match(one(/^camera No secret: secret$/), {
    level: 'FAIL',
    detail: /deleted-AbCdEf cannot be read/,
    fix: /does not exist/,
  });
  t.equal(find(/^camera No secret: RTSP/).length, 0, 'no RTSP check without a URL');
  t.notMatch(r.out + r.err, /right-pass|wrong-pass|gone-pass/, 'no password anywhere');
  t.ok([good, wrong, mjpeg, gone, missing].every((c) => c.assetId));

  // The same as a person reads it: the level first, the fix under it.
  const human = await kvsEdge(['doctor', '--config', config, '--min-free-mb', '1'], env);
  t.match(
    human.out,
    /^FAIL camera Back door: RTSP rtsp:\/\/viewer:\*\*\*@127\.0\.0\.1:\d+\/cam: .*\n {5}fix: the camera refused/m,
  );
  t.match(human.out, /^\d+ FAIL, \d+ WARN, \d+ OK$/m);

  const full = await kvsEdge(['doctor', '--config', config, '--json', '--min-free-mb', String(1e12)], env);
  const disk = (JSON.parse(full.out) as { results: CheckResult[] }).results.find((x) =>
    x.check.startsWith('disk space'),
  );
  t.match(disk, { level: 'FAIL', detail: /below 1000000000000 MB/, fix: /free space/ });

  await writeFile(
    config,
    `SiteWiseAssetIdForHub: 8b5a2c1e-0000-4000-8000-000000000000\nRecordingsPath: ${path.join(dir, 'rec')}\n`,
  );
  const noHub = await kvsEdge(['doctor', '--config', config, '--json', '--min-free-mb', '1'], env);
  const hub = (JSON.parse(noHub.out) as { results: CheckResult[] }).results.find((x) => x.check === 'hub');
  t.match(hub, {
    level: 'FAIL',
    detail: /8b5a2c1e-0000-4000-8000-000000000000/,
    fix: /SiteWiseAssetIdForHub/,
  });
});

t.test(
  'no credentials: one FAIL that says where credentials come from, and the hub is not tried',
  async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-doctor-'));
    // Nothing of this process's environment but what runs TypeScript: no credentials anywhere.
    const node = tsChild(
      {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_IOTSITEWISE: 'http://127.0.0.1:9/',
        KVS_EDGE_RECORDINGS_PATH: path.join(dir, 'rec'),
      },
      { inherit: false },
    );
    const child = spawn(
      process.execPath,
      [...node.execArgv, path.resolve('src/cli/main.ts'), 'doctor', '--json', '--min-free-mb', '1'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: node.env },
    );
    t.teardown(() => child.kill());
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    t.equal(code, 1);
    const { results } = JSON.parse(out) as { results: CheckResult[] };
    t.match(
      results.find((x) => x.check === 'AWS credentials'),
      { level: 'FAIL', detail: /none found/, fix: /AWS_ACCESS_KEY_ID/ },
    );
    t.match(
      results.find((x) => x.check === 'hub'),
      { level: 'FAIL', detail: 'not checked: no AWS credentials' },
    );
  },
);
