import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { main } from '../src/cli.js';
import { childEnv } from '../src/testkit/child-env.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

t.test('prints exports, writes the JSON env, serves, and stops cleanly on SIGTERM', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'local-cloud-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const envJson = path.join(dir, 'env.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      '--state',
      path.join(dir, 'state'),
      '--env-json',
      envJson,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() },
  );
  t.teardown(() => child.kill('SIGKILL'));
  const exports: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) exports[m[1]!] = m[2]!.replace(/^'|'$/g, '');
    if (line.includes('Ctrl-C')) break;
  }
  t.same(JSON.parse(await readFile(envJson, 'utf8')), exports, 'the JSON file holds the printed environment');
  const client = new SecretsManagerClient({
    region: exports.AWS_REGION!,
    endpoint: exports.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
    credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'x' },
  });
  t.teardown(() => client.destroy());
  t.ok((await client.send(new CreateSecretCommand({ Name: 'from-cli', SecretString: 'v' }))).ARN);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  t.same(await exited, [0, null], 'exits 0 after stopping');
  t.match(
    await readFile(path.join(dir, 'state', 'secrets.json'), 'utf8'),
    /from-cli/,
    'state was flushed on stop',
  );
});

t.test('bad flag values are refused with a clear message; --help prints usage', async (t) => {
  await t.rejects(main(['--mqtt-port', 'abc']), /--mqtt-port must be a port number, got abc/);
  await t.rejects(main(['--log-level', 'loud']), /--log-level must be one of/);
  const lines: string[] = [];
  const original = console.log;
  console.log = (line: string) => lines.push(line);
  t.teardown(() => (console.log = original));
  await main(['--help']);
  t.match(lines.join('\n'), /Usage: npm run local-cloud/);
});
