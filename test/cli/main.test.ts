// The kvs-edge command line as a user meets it: help and version everywhere, usage mistakes on stderr
// with exit 2, and a component start that refuses a missing or value-less --config instead of starting
// with defaults.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tsChild } from '@kvs-edge/localcloud/testkit';
import { kvsEdge } from './run.js';

const COMMANDS = ['start', 'provision', 'request', 'upload', 'schedule', 'vod', 'help'];

t.test('help lists every command; --version prints the package version', async (t) => {
  const help = await kvsEdge(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: kvs-edge \[options\] \[command\]/);
  for (const c of COMMANDS) t.match(help.out, new RegExp(`^  ${c}\\b`, 'm'), `help lists ${c}`);
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  const version = await kvsEdge(['--version']);
  t.same(version, { code: 0, out: `${pkg.version}\n`, err: '' });
});

t.test('every command answers --help with its usage on stdout and runs nothing', async (t) => {
  for (const args of [
    ['start', '--help'],
    ['provision', '--help'],
    ['request', '--help'],
    ['upload', '--help'],
    ['schedule', 'explain', '--help'],
    ['vod', '--help'],
    ['help', 'upload'],
  ]) {
    let started = false;
    const r = await kvsEdge(args, {}, { hooks: { start: async () => ((started = true), 0) } });
    t.equal(r.code, 0, `${args.join(' ')} exits 0`);
    t.match(r.out, /usage/i, `${args.join(' ')} prints usage`);
    t.equal(r.err, '');
    t.notOk(started, 'nothing was started');
  }
});

t.test('usage mistakes exit 2 with the reason on stderr and nothing on stdout', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: kvs-edge/],
    [['strat'], /unknown command 'strat'[\s\S]*Did you mean start\?/],
    [['start', '--config'], /option '-c, --config <file>' argument missing/],
    [['start', '--bogus'], /unknown option '--bogus'/],
    [['start', '--config', 'no-such-file.yaml'], /configuration file no-such-file.yaml does not exist/],
    [['upload', '--camera', 'cam'], /required option '--from <time>' not specified/],
    [['upload', '--camera', 'cam', '--from', 'yesterday', '--to', 'now'], /--from "yesterday" is not a time/],
    [['upload', '--camera', 'cam', '--from', '-1m', '--to', '-10m'], /--to must be after --from/],
    [['request', '--camera', 'cam', 'lve'], /"lve" is neither "live" nor "<startMs>-<endMs>"/],
    [['provision'], /give the provisioning file/],
    [['vod'], /Usage: kvs-edge vod/],
  ];
  for (const [args, says] of cases) {
    let started = false;
    const r = await kvsEdge(args, {}, { hooks: { start: async () => ((started = true), 0) } });
    t.equal(r.code, 2, `exit 2 for: ${args.join(' ')}`);
    t.match(r.err, says, args.join(' '));
    t.equal(r.out, '', 'nothing on stdout');
    t.notOk(started);
  }
});

t.test('AWS errors come out as what to do, not as the SDK says them', async (t) => {
  const noRegion = await kvsEdge(['request', '--camera', 'cam', 'live'], {
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_CONFIG_FILE: '/nonexistent',
  });
  t.equal(noRegion.code, 1);
  t.match(noRegion.err, /^kvs-edge: no AWS region: set AWS_REGION/);
});

t.test(
  'the component itself (dist/main.js) refuses --config without a value and starts nothing',
  async (t) => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-main-'));
    const node = tsChild({ AWS_REGION: 'us-east-1' });
    const child = spawn(process.execPath, [...node.execArgv, path.resolve('src/main.ts'), '--config'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: node.env,
    });
    t.teardown(() => child.kill());
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    t.equal(code, 2);
    t.match(out, /argument missing/);
    t.same(await readdir(cwd), [], 'no ./recordings was created');
  },
);
