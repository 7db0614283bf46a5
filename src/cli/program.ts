// The kvs-edge command line on commander: every command has --help, the program has --version, a
// usage mistake exits 2 with the reason on stderr, results go to stdout. Each command lives in its own
// file and registers itself here; this file only wires them and maps outcomes to exit codes.
import { createRequire } from 'node:module';
import { access } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { explainAwsError } from './aws.js';
import { CliError, UsageError, processIo, type CliIo } from './io.js';
import { registerDoctor } from './doctor.js';
import { registerProvision } from './provision.js';
import { registerRequest } from './request.js';
import { registerSchedule } from './schedule.js';
import { registerStatus } from './status.js';
import { registerVod, type VodHooks } from './vod.js';

export function version(): string {
  // dist/cli and src/cli both sit two levels below package.json.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}

export interface CliHooks {
  /** Runs the component for `start` (main.ts's runComponent); resolves to its exit code. */
  start?: (argv: string[]) => Promise<number>;
  /** `vod publish` polling speed for tests against the stand-in. */
  vod?: VodHooks;
}

/** Runs one command line; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: CliIo = processIo(), hooks: CliHooks = {}): Promise<number> {
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const program = new Command('kvs-edge')
    .description('record IP cameras at the edge and stream them to Amazon Kinesis Video Streams')
    .version(version(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .configureOutput({
      writeOut: (s) => void io.out.write(s),
      writeErr: (s) => void io.err.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  program
    .command('start')
    .description('run the component standalone (Greengrass runs dist/main.js the same way)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); KVS_EDGE_* variables override it')
    .action(async (options: { config?: string }) => {
      if (options.config !== undefined) {
        await access(options.config).catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(
            err.code === 'ENOENT'
              ? `configuration file ${options.config} does not exist`
              : `cannot read configuration file ${options.config} (${err.code ?? err.message})`,
          );
        });
      }
      const start =
        hooks.start ?? (async (args: string[]) => (await import('../main.js')).runComponent({ argv: args }));
      done(await start(options.config === undefined ? [] : ['--config', options.config]));
    });
  registerProvision(program, io, done);
  registerDoctor(program, io, done);
  registerRequest(program, io, done);
  registerStatus(program, io, done);
  registerSchedule(program, io, done);
  registerVod(program, io, done, hooks.vod);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for (exit 0) or help shown because the command was missing (exit 1 in commander);
      // commander has printed the reason and the help hint on stderr already.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      io.err.write(`kvs-edge: ${err.message}\n(add --help for usage)\n`);
      return 2;
    }
    const message = err instanceof CliError ? err.message : explainAwsError(err);
    io.err.write(`kvs-edge: ${message}\n`);
    return 1;
  }
}
