// The running component seen from the device: `kvs-edge status` and /metrics read its local status
// endpoint while two real test cameras run (one with a wrong password), `kvs-edge upload` waits until a
// recorded range is in the local KVS, and `status` says clearly when no component answers.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deploy, eventually, frontAndBackDoor, runConnector, sendRequest } from '../connector/fixtures.js';
import { childEnv } from '@kvs-edge/localcloud/testkit';
import { kvsEdge } from '../cli/run.js';
import type { ComponentStatus } from '../../src/observe/index.js';

t.test('status, metrics and upload against the running component', async (t) => {
  const d = await deploy(t);
  const { front: good, back: bad } = await frontAndBackDoor(t, d, { camera: { gopSeconds: 1 } });
  const run = await runConnector(t, d, { SegmentDurationSeconds: 2 }, 'greengrass', {
    KVS_EDGE_STATUS_PORT: '0',
  });
  const url = run.component.statusUrl!;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'the endpoint listens on loopback');
  const cli = (...args: string[]) =>
    kvsEdge(args, { ...d.cloud.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });

  const status = await eventually(
    'the good camera has written fragments and the bad one has failed',
    async () => {
      const r = await cli('status', '--url', url, '--json');
      if (r.code !== 0) return undefined;
      const s = JSON.parse(r.out) as ComponentStatus;
      const g = s.cameras.find((c) => c.assetId === good.assetId);
      const b = s.cameras.find((c) => c.assetId === bad.assetId);
      return g && g.writtenFragments >= 3 && b?.lastError ? s : undefined;
    },
  );
  t.equal(status.hub, d.hub.assetId);
  const front = status.cameras.find((c) => c.assetId === good.assetId)!;
  t.match(front, {
    streamName: 'front-door',
    state: 'streaming',
    record: true,
    live: false,
    reasons: ['capture window'],
  });
  t.ok(front.bytesPerSecond > 0 && front.diskBytes > 0 && front.recorded.length >= 1);
  const back = status.cameras.find((c) => c.assetId === bad.assetId)!;
  t.match(back.lastError, /auth|401|password/i, 'the wrong password is named');

  const human = await cli('status', '--url', url);
  t.equal(human.code, 0);
  t.match(
    human.out,
    new RegExp(
      `^camera ${good.assetId} \\(stream front-door\\)\\n  state streaming; recording on, live off \\(capture window\\)`,
      'm',
    ),
  );
  t.match(human.out, /last fragment \d+ s ago/);
  t.match(human.out, new RegExp(`camera ${bad.assetId} \\(stream back-door\\)[\\s\\S]*last error: `));

  const metrics = await (await fetch(`${url}/metrics`)).text();
  const sample = (name: string, stream: string) =>
    Number(new RegExp(`^${name}\\{camera="[^"]+",stream="${stream}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  t.ok(sample('kvs_edge_camera_written_fragments_total', 'front-door') >= 3);
  t.ok(sample('kvs_edge_camera_written_bytes_total', 'front-door') > 0);
  t.equal(sample('kvs_edge_camera_up', 'back-door'), 0, 'the camera that refuses us is down');
  t.equal(sample('kvs_edge_camera_up', 'front-door'), 1, 'the streaming camera is up');
  t.match(metrics, /^# TYPE kvs_edge_camera_restarts_total counter$/m);
  t.ok(Number(/^kvs_edge_process_resident_memory_bytes (\d+)$/m.exec(metrics)?.[1]) > 10e6);
  t.match(metrics, /^kvs_edge_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
  const all = JSON.stringify(status) + metrics + human.out;
  t.notMatch(all, /right-pass|wrong-pass/, 'no password anywhere');
  t.equal((await fetch(`${url}/status`, { method: 'POST' })).status, 405);
  t.equal((await fetch(`${url}/nothing`)).status, 404);

  // Upload a recorded stretch by camera name; the command returns once all of it is in KVS.
  const recorded = front.recorded[0]!;
  const from = new Date(Date.parse(recorded.start) + 500).toISOString();
  const to = new Date(Date.parse(recorded.start) + 2500).toISOString();
  const upload = await cli('upload', '--camera', 'Front door', '--from', from, '--to', to, '--timeout', '60');
  t.equal(upload.code, 0, upload.err);
  t.equal(upload.out, `all of ${from} - ${to} is in KVS\n`);
  t.match(upload.err, /^sent VideoUploadRequest "\d+-\d+" to camera /);
  t.match(upload.err, /100% in KVS/, 'plain progress lines when not on a terminal');

  // The upload again, on a terminal (a pseudo-terminal from util-linux script): the bar is drawn in
  // place and ends full.
  const onTty = await command(
    ['upload', '--camera', 'Front door', '--from', from, '--to', to, '--timeout', '60'],
    { ...d.cloud.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    { tty: true },
  );
  t.equal(onTty.code, 0, onTty.out);
  t.match(onTty.out, /\r\[#{30}\] 100% in KVS/, 'the bar is drawn over itself and ends at 100 %');
  t.notMatch(onTty.out, /^\d+% in KVS$/m, 'no plain progress lines on a terminal');

  // PutMedia ACK latency: live fragments' end -> RECEIVED / PERSISTED, as a histogram per camera.
  await sendRequest(d, good.assetId, good.propertyIds.VideoUploadRequest!, 'live');
  const withAcks = await eventually('PERSISTED ACKs of live fragments in /metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const count = new RegExp(
      `^kvs_edge_camera_ack_latency_seconds_count\\{camera="${good.assetId}",stream="front-door",ack="persisted"\\} (\\d+)$`,
      'm',
    ).exec(text);
    return count && Number(count[1]) >= 3 ? text : undefined;
  });
  t.match(withAcks, /^# TYPE kvs_edge_camera_ack_latency_seconds histogram$/m);
  const sum = Number(
    /^kvs_edge_camera_ack_latency_seconds_sum\{[^}]*stream="front-door",ack="persisted"\} (\S+)$/m.exec(
      withAcks,
    )?.[1],
  );
  t.ok(sum > 0, `fragment end -> PERSISTED takes time (sum ${sum} s)`);
  t.match(
    withAcks,
    /^kvs_edge_camera_ack_latency_seconds_bucket\{[^}]*stream="front-door",ack="received",le="\+Inf"\} [1-9]\d*$/m,
    'RECEIVED is measured as well',
  );
  t.notMatch(withAcks, /ack_latency[^\n]*stream="back-door"/, 'no latency for a camera that sent nothing');

  // `status --watch` refreshes until Ctrl-C, then exits 0.
  const watch = await command(
    ['status', '--url', url, '--watch', '0.5'],
    {},
    {
      until: (out) => (out.match(/^kvs-edge \d/gm) ?? []).length >= 3,
    },
  );
  t.equal(watch.code, 0, 'SIGINT ends --watch with exit 0');
  const frames = watch.out.split(/^(?=kvs-edge \d)/m).filter((f) => f.trim() !== '');
  t.ok(frames.length >= 3, `refreshed (${frames.length} frames)`);
  t.ok(new Set(frames).size > 1, 'the output changes as the component runs');

  await run.stop();
  const gone = await cli('status', '--url', url);
  t.equal(gone.code, 1);
  t.match(
    gone.err,
    /^kvs-edge: no component answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\?/,
  );
});

/**
 * The kvs-edge binary (from source, through tsx) in its own process; with `tty`, under a
 * pseudo-terminal from util-linux `script`. With `until`, SIGINT is sent once the output satisfies it.
 */
async function command(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { tty?: boolean; until?: (out: string) => boolean } = {},
): Promise<{ code: number | null; out: string }> {
  const tsx = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
  const argv = [process.execPath, '--import', tsx, path.resolve('src/cli/main.ts'), ...args];
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  // childEnv keeps tap's coverage hook out of this tsx child: its lines would not match the report's.
  const child = options.tty
    ? spawn('script', ['-qec', argv.map(quote).join(' '), '/dev/null'], { env: childEnv(env) })
    : spawn(argv[0]!, argv.slice(1), { env: childEnv(env) });
  let out = '';
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  if (options.until) {
    await eventually('the command output', () => options.until!(out) || undefined, 60_000);
    child.kill('SIGINT');
  }
  const [code] = await exited;
  return { code, out };
}
