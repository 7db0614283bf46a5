// The kvs-edge entry point as a user runs it: help, a mistyped command, and dispatch to a subcommand.
// Each case is a real child process; they run concurrently.
import t from 'tap';
import { spawn } from 'node:child_process';
import { childEnv } from '@kvs-edge/localcloud/testkit';

async function kvsEdge(t: { teardown(fn: () => unknown): void }, ...args: string[]) {
  const env = childEnv();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  t.teardown(() => child.kill());
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err };
}

const COMMANDS = ['start', 'request', 'schedule explain', 'vod', 'help'];

t.test('help, a mistake and dispatch', async (t) => {
  const [help, none, unknown, request] = await Promise.all([
    kvsEdge(t, 'help'),
    kvsEdge(t),
    kvsEdge(t, 'strat'),
    kvsEdge(t, 'request'),
  ]);
  t.equal(help.code, 0, 'help exits 0');
  t.match(help.out, /^usage: kvs-edge <command>/);
  for (const c of COMMANDS) t.match(help.out, new RegExp(`^  ${c}\\s`, 'm'), `help lists ${c}`);

  t.equal(none.code, 2, 'no command is a usage error');
  t.equal(none.out, help.out, 'and shows the usage');

  t.equal(unknown.code, 2, 'an unknown command exits 2');
  t.match(unknown.err, /^kvs-edge: unknown command "strat"\n\nusage: kvs-edge <command>/);
  t.equal(unknown.out, '');

  t.equal(request.code, 2, 'request without arguments reaches the request command');
  t.match(request.err, /^usage: kvs-edge request --camera/);
});
