// `kvs-edge vod` from a shell: every argument mistake exits 2 with the reason on stderr, a missing or
// broken Vod setting exits 1 naming what to set, and setup/status/harvest talk to the MediaPackage
// stand-in. Publishing itself is covered end to end in test/vod/publish.test.ts.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { startMediaPackageVodService, startS3Service } from '@kvs-edge/localcloud';

const s3 = await startS3Service();
t.teardown(() => s3.stop());
const mediapackage = await startMediaPackageVodService({ s3 });
t.teardown(() => mediapackage.stop());
const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-vod-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const cloudEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD: mediapackage.endpoint,
};
const VOD = { S3Bucket: 'clips', PackagingGroupId: 'edge', SourceRoleArn: 'arn:aws:iam::1:role/mp' };

async function vod(args: string[], env: Record<string, string | undefined> = cloudEnv) {
  let out = '';
  let err = '';
  const code = await runCli(['vod', ...args], {
    out: { write: (s: string) => (out += s) },
    err: { write: (s: string) => (err += s) },
    env,
  });
  return { code, out, err };
}

t.test('vod and each subcommand answer --help on stdout; no subcommand is a usage error', async (t) => {
  const help = await vod(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: kvs-edge vod/);
  for (const c of ['publish', 'setup', 'harvest', 'status']) t.match(help.out, new RegExp(`^  ${c} `, 'm'));
  t.match(help.out, /KVS_EDGE_VOD/, 'says where the Vod settings come from');
  t.equal(help.err, '');
  const none = await vod([]);
  t.equal(none.code, 2, 'no command is a usage error');
  t.equal(none.out, '', 'usage errors leave stdout empty');
  t.match(none.err, /Usage: kvs-edge vod/, 'and show the usage on stderr');
  for (const [c, option] of [
    ['publish', '--camera <asset id>'],
    ['setup', '--group <id>'],
    ['harvest', '--asset <id>'],
    ['status', '--group <id>'],
  ] as const) {
    const sub = await vod([c, '--help']);
    t.equal(sub.code, 0, `${c} --help exits 0`);
    t.match(sub.out, `Usage: kvs-edge vod ${c}`, `${c} --help shows its own usage`);
    t.match(sub.out, option, `with its options (${option})`);
  }
});

t.test('argument mistakes exit 2 with the reason on stderr and nothing on stdout', async (t) => {
  const from = '2024-03-01T10:00:00Z';
  const to = '2024-03-01T10:05:00Z';
  const cases: [string[], string][] = [
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['status', '--bogus'], "unknown option '--bogus'"],
    [['publish', '--from', from, '--to', to], "required option '--camera <asset id>' not specified"],
    [['publish', '--camera', 'c', '--to', to], "required option '--from <ISO time>' not specified"],
    [['publish', '--camera', 'c', '--from', from], "required option '--to <ISO time>' not specified"],
    [
      ['publish', '--camera', 'c', '--from', 'yesterday', '--to', to],
      '--from "yesterday" is not an ISO time',
    ],
    [['publish', '--camera', 'c', '--from', to, '--to', from], '--to must be after --from'],
    [['publish', '--camera', 'c', '--from', from, '--to', from], '--to must be after --from'],
    [['setup'], "required option '--group <id>' not specified"],
    [
      ['setup', '--group', 'g', '--segment-seconds', '0'],
      '--segment-seconds must be a whole number from 1 to 30',
    ],
    [
      ['setup', '--group', 'g', '--segment-seconds', '31'],
      '--segment-seconds must be a whole number from 1 to 30',
    ],
    [['setup', '--group', 'g', '--segment-seconds', '2.5'], '--segment-seconds must be a whole number'],
    [['harvest', '--to', dir], "required option '--asset <id>' not specified"],
    [['harvest', '--asset', 'a'], "required option '--to <destination>' not specified"],
    [
      ['harvest', '--asset', 'a', '--to', dir, '--concurrency', '0'],
      '--concurrency must be a whole number from 1 to 64',
    ],
    [['harvest', '--asset', 'a', '--to', dir, '--concurrency', '65'], '--concurrency must be a whole number'],
    [
      ['harvest', '--asset', 'a', '--to', dir, '--concurrency', 'many'],
      '--concurrency must be a whole number',
    ],
  ];
  for (const [args, reason] of cases) {
    const r = await vod(args);
    t.equal(r.code, 2, args.join(' '));
    t.ok(r.err.includes(reason), `${JSON.stringify(r.err.split('\n')[0])} says ${reason}`);
    t.match(r.err, /--help/, 'and where the usage is');
    t.equal(r.out, '');
  }
});

t.test('Vod settings: missing, not JSON, invalid, and from a config file', async (t) => {
  const publish = [
    'publish',
    '--camera',
    'door',
    '--from',
    '2024-03-01T10:00:00Z',
    '--to',
    '2024-03-01T10:05:00Z',
  ];
  const missing = await vod(publish, { ...cloudEnv });
  t.equal(missing.code, 1);
  t.match(
    missing.err,
    /VOD publishing is not configured: pass --config <file> with a Vod key or set KVS_EDGE_VOD/,
  );
  t.notMatch(missing.err, /usage:/, 'not a usage error');

  const notJson = await vod(publish, { ...cloudEnv, KVS_EDGE_VOD: '{S3Bucket: clips}' });
  t.equal(notJson.code, 1);
  t.match(notJson.err, /KVS_EDGE_VOD is not JSON/);

  const invalid = await vod(publish, { ...cloudEnv, KVS_EDGE_VOD: '{"S3Bucket":"clips","Bucket":"x"}' });
  t.equal(invalid.code, 1);
  t.match(invalid.err, /invalid Vod configuration: .*Bucket/);

  const empty = path.join(dir, 'empty');
  const fromEnv = await vod([...publish, '--recordings', empty], {
    ...cloudEnv,
    KVS_EDGE_VOD: JSON.stringify(VOD),
  });
  t.equal(fromEnv.code, 1);
  t.equal(
    fromEnv.err,
    `kvs-edge: no recordings for camera "door" under ${empty} (give the camera's asset id, its folder name); cameras with recordings: (none)\n`,
  );

  const recordings = path.join(dir, 'from-config');
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ Vod: VOD, RecordingsPath: recordings }));
  const fromFile = await vod([...publish, '--config', file]);
  t.equal(fromFile.code, 1, fromFile.err);
  t.match(fromFile.err, `under ${recordings} (`, 'the recordings folder comes from the config file');

  const unreadable = await vod([...publish, '--config', path.join(dir, 'nope.yaml')]);
  t.equal(unreadable.code, 1);
  t.match(unreadable.err, /cannot read configuration file .*nope\.yaml \(ENOENT\)/);
});

t.test('setup creates a packaging group once; status shows it as text and JSON', async (t) => {
  const first = await vod(['setup', '--group', 'edge', '--segment-seconds', '4']);
  t.equal(first.code, 0, first.err);
  t.match(first.out, /^packaging group edge: created/);
  t.match(first.out, /^ {2}hls configuration \S+: created$/m);
  t.match(first.out, /^ {2}dash configuration \S+: created$/m);
  t.match(first.out, /^ {2}cmaf configuration \S+: created$/m);

  const again = await vod(['setup', '--group', 'edge']);
  t.equal(again.code, 0, again.err);
  t.match(again.out, /^packaging group edge: existed/);
  t.notMatch(again.out, /: created/, 'nothing is created twice');

  const halfCdn = await vod(['setup', '--group', 'edge', '--cdn-secret-arn', 'arn:aws:secretsmanager:x']);
  t.equal(halfCdn.code, 1);
  t.match(halfCdn.err, /CDN authorization needs both the secret ARN and the secrets role ARN/);

  const json = await vod(['status', '--group', 'edge', '--json']);
  t.equal(json.code, 0, json.err);
  const overview = JSON.parse(json.out) as {
    groups: { id: string; configurations: { kind: string; segmentDurationSeconds?: number }[] }[];
  };
  t.same(
    overview.groups.map((g) => g.id),
    ['edge'],
  );
  t.same(overview.groups[0]!.configurations.map((c) => c.kind).sort(), ['cmaf', 'dash', 'hls']);
  t.ok(
    overview.groups[0]!.configurations.every((c) => c.segmentDurationSeconds === 4),
    'the segment length asked for',
  );
  const text = await vod(['status']);
  t.equal(text.code, 0, text.err);
  t.match(text.out, /^GROUP\s+ASSETS/m);
  t.match(text.out, /^edge\s+0\/10000\s+no/m);
});

t.test('harvesting an asset that does not exist fails with the reason', async (t) => {
  const r = await vod(['harvest', '--asset', 'no-such-asset', '--to', path.join(dir, 'harvest')]);
  t.equal(r.code, 1);
  t.match(r.err, /no-such-asset/);
  t.notMatch(r.err, /usage:/);
});
