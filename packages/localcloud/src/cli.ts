// `npm run local-cloud`: start every local stand-in, print the environment a connector needs (export
// lines to paste into a shell) and write it as JSON, then run until Ctrl-C or SIGTERM.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Level } from 'pino';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof LOG_LEVELS)[number] & Level;
import { startFaultControl, startLocalCloud, type LocalCloudPorts } from './index.js';

const USAGE = `Usage: npm run local-cloud -- [options]

  --state <dir>         keep SiteWise, Secrets Manager and KVS state in <dir> across restarts
  --env-json <file>     where to write the environment as JSON (default .local-cloud/env.json)
  --sitewise-port <n>   --secrets-port <n>   --kvs-port <n>   --mqtt-port <n>   --tes-port <n>
  --s3-port <n>   --mediapackage-port <n>   --twinmaker-port <n>
                        fixed ports (default: free ports)
  --control-port <n>    start the fault-control API on 127.0.0.1:<n> (0 = a free port): cut the
                        uplink or PutMedia connections, hold ACKs, list fragments (src/control.ts)
  --secret-manager      run aws.greengrass.SecretManager: IPC GetSecretValue answers from its cache
  --socket <path>       Greengrass IPC socket path (default: a temp path)
  --thing-name <name>   value of AWS_IOT_THING_NAME (default local-thing)
  --region <region>     default us-east-1
  --log-level <level>   ${LOG_LEVELS.join('|')} (default info)
  --help`;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${flag} must be a port number, got ${value}`);
  return n;
}

/** Quote a value for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      state: { type: 'string' },
      'env-json': { type: 'string' },
      'sitewise-port': { type: 'string' },
      'secrets-port': { type: 'string' },
      'kvs-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'tes-port': { type: 'string' },
      's3-port': { type: 'string' },
      'mediapackage-port': { type: 'string' },
      'twinmaker-port': { type: 'string' },
      socket: { type: 'string' },
      'control-port': { type: 'string' },
      'secret-manager': { type: 'boolean' },
      'thing-name': { type: 'string' },
      region: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  // Logs go to stderr so stdout stays exactly the export lines.
  const log = pino({ level, name: 'local-cloud' }, pino.destination(2));
  const ports: LocalCloudPorts = {};
  for (const name of [
    'sitewise',
    'secrets',
    'kvs',
    'mqtt',
    'tes',
    's3',
    'mediapackage',
    'twinmaker',
  ] as const) {
    const p = port(values[`${name}-port`], `--${name}-port`);
    if (p !== undefined) ports[name] = p;
  }
  const cloud = await startLocalCloud({
    ports,
    log,
    ...(values.state !== undefined && { stateDir: path.resolve(values.state) }),
    ...(values.socket !== undefined && { socketPath: path.resolve(values.socket) }),
    ...(values['thing-name'] !== undefined && { thingName: values['thing-name'] }),
    ...(values.region !== undefined && { region: values.region }),
    ...(values['secret-manager'] === true && { secretManager: true }),
  });
  const controlPort = port(values['control-port'], '--control-port');
  const control =
    controlPort === undefined ? undefined : await startFaultControl(cloud, { port: controlPort, log });
  const env = { ...cloud.env, ...(control && { LOCALCLOUD_CONTROL_URL: control.endpoint }) };
  const envFile = path.resolve(values['env-json'] ?? '.local-cloud/env.json');
  mkdirSync(path.dirname(envFile), { recursive: true });
  writeFileSync(envFile, JSON.stringify(env, null, 2) + '\n');

  const { accessKeyId, secretAccessKey } = cloud.credentials.static;
  console.log('# Local cloud running. Paste these into the shell that runs the connector:');
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${shellQuote(v)}`);
  console.log(`# Written as JSON to ${envFile}`);
  console.log(
    '# SiteWise clients need disableHostPrefix: true, S3 clients forcePathStyle: true (docs/localcloud.md).',
  );
  console.log(
    '# For tools outside a Greengrass component (static keys; they take precedence over the above):',
  );
  console.log(
    `#   export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${shellQuote(secretAccessKey)}`,
  );
  console.log('# Ctrl-C stops everything.');

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping the local cloud');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await control?.stop();
  await cloud.stop();
  log.info('local cloud stopped');
}

// Run when executed directly (node dist/localcloud/cli.js), not when imported by a test.
if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`local-cloud: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
