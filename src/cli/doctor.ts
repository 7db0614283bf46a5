// `kvs-edge doctor [--config <file>] [--json]`: runs src/doctor's checks with the component's own
// configuration (the file, or Greengrass's when under it) and prints one line per check with its fix.
// Exit 0 when nothing FAILs, 1 otherwise.
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { Command } from 'commander';
import { loadConfig, loadConfigFile, resolveRecordingsPath, type Config } from '../config/index.js';
import { runChecks, type CheckResult } from '../doctor/index.js';
import { GreengrassIpc, underGreengrass } from '../greengrass/index.js';
import { createLogger } from '../log/index.js';
import { awsClients, regionOf } from './aws.js';
import { UsageError, writeJson, type CliIo } from './io.js';

function credentialSource(env: NodeJS.ProcessEnv): string {
  if (env.AWS_ACCESS_KEY_ID) return 'keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY';
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'token exchange service (Greengrass TES)';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  return "the SDK's default chain (shared files, instance role)";
}

function line(r: CheckResult): string {
  const head = `${r.level.padEnd(4)} ${r.check}: ${r.detail}`;
  return r.fix ? `${head}\n     fix: ${r.fix}\n` : `${head}\n`;
}

interface DoctorCliOptions {
  config?: string;
  json?: boolean;
  minFreeMb: string;
  rtspTimeout: string;
}

export function registerDoctor(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('doctor')
    .description(
      'check the device, AWS access, the hub and every camera; each line OK / WARN / FAIL with the fix',
    )
    .option(
      '-c, --config <file>',
      'the configuration file kvs-edge start uses (under Greengrass: its configuration)',
    )
    .option('--min-free-mb <MB>', 'less free space than this in the recordings folder is a FAIL', '1024')
    .option('--rtsp-timeout <seconds>', 'how long to wait for each camera', '5')
    .option('--json', 'machine-readable result on stdout')
    .action(async (options: DoctorCliOptions) => {
      const minFreeMb = Number(options.minFreeMb);
      if (!(minFreeMb >= 0))
        throw new UsageError(`--min-free-mb must be a number >= 0, got "${options.minFreeMb}"`);
      const rtspTimeoutMs = Number(options.rtspTimeout) * 1000;
      if (!(rtspTimeoutMs > 0))
        throw new UsageError(`--rtsp-timeout must be a positive number, got "${options.rtspTimeout}"`);
      const env = io.env;
      const greengrass = underGreengrass(env);
      const log = createLogger({ level: 'silent' });
      let config: Config;
      if (options.config) config = await loadConfigFile(options.config, env);
      else if (greengrass) {
        const ipc = await GreengrassIpc.connect(log);
        try {
          config = loadConfig(await ipc.getConfiguration());
        } finally {
          await ipc.close();
        }
      } else config = loadConfig({}, env);
      const aws = awsClients(env);
      const region = regionOf(env) ?? 'us-east-1';
      const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
      try {
        const print = (r: CheckResult) => {
          if (!options.json) io.out.write(line(r));
        };
        const results = await runChecks(
          {
            recordingsPath: resolveRecordingsPath(config, { greengrass }),
            minFreeMb,
            rtspTimeoutMs,
            ...(config.TimeZone && { timeZone: config.TimeZone }),
            ...(config.SiteWiseAssetIdForHub && { hubAssetId: config.SiteWiseAssetIdForHub }),
            ...(env.AWS_IOT_THING_NAME && { thingName: env.AWS_IOT_THING_NAME }),
            sitewise: aws.sitewise,
            secrets: aws.secrets,
            kvs: aws.kvs,
            credentials: keys
              ? async () => ({
                  accessKeyId: env.AWS_ACCESS_KEY_ID!,
                  secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
                  ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
                })
              : fromNodeProviderChain(),
            credentialSource: credentialSource(env),
            clockUrl: env.AWS_ENDPOINT_URL_IOTSITEWISE ?? `https://api.iotsitewise.${region}.amazonaws.com/`,
            env,
            ...(greengrass && {
              greengrass: async () => {
                try {
                  const ipc = await GreengrassIpc.connect(log);
                  await ipc.getConfiguration();
                  await ipc.close();
                  return {
                    level: 'OK' as const,
                    check: 'Greengrass IPC',
                    detail: 'connected; configuration read',
                  };
                } catch (err) {
                  return {
                    level: 'FAIL' as const,
                    check: 'Greengrass IPC',
                    detail: (err as Error).message,
                    fix: "check the recipe's accessControl and that the nucleus is running",
                  };
                }
              },
            }),
          },
          print,
        );
        const failed = results.filter((r) => r.level === 'FAIL').length;
        const warned = results.filter((r) => r.level === 'WARN').length;
        if (options.json) writeJson(io.out, { ok: failed === 0, results });
        else io.out.write(`\n${failed} FAIL, ${warned} WARN, ${results.length - failed - warned} OK\n`);
        done(failed === 0 ? 0 : 1);
      } finally {
        aws.destroy();
      }
    });
}
