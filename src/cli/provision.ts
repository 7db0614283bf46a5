// `kvs-edge provision <file.yaml> [--dry-run] [--json]` and `kvs-edge provision --print-policy [file]`:
// the cloud side of a device from a file (see src/provision). Each change is printed as it happens;
// a second run prints only "unchanged" lines. A file with mistakes prints every one with its line and
// exits 2 before anything is sent.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  applyProvision,
  devicePolicy,
  parseProvisionFile,
  ProvisionError,
  ProvisionFileError,
  type Change,
  type ProvisionSpec,
} from '../provision/index.js';
import { awsClients, awsCredentials, regionOf } from './aws.js';
import { CliError, UsageError, writeJson, type CliIo } from './io.js';

async function readSpec(file: string): Promise<ProvisionSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `provisioning file ${file} does not exist`
        : `cannot read provisioning file ${file} (${code ?? (err as Error).message})`,
    );
  }
  return parseProvisionFile(text, file);
}

function changeLine(c: Change): string {
  return `${c.action.padEnd(9)} ${c.kind.padEnd(12)} ${c.target}${c.detail ? `  (${c.detail})` : ''}\n`;
}

interface ProvisionOptions {
  dryRun?: boolean;
  json?: boolean;
  printPolicy?: boolean;
}

export function registerProvision(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('provision')
    .description(
      "create or update the hub, cameras, secrets and KVS streams from a file (the reference's resource_configure.yml or our own format)",
    )
    .argument('[file]', 'provisioning file (YAML); see docs/operations.md')
    .option('--dry-run', 'print what would change, change nothing')
    .option(
      '--print-policy',
      "print the IAM policy the device role needs (scoped to the file's streams when given)",
    )
    .option('--json', 'machine-readable result on stdout')
    .addHelpText(
      'after',
      '\nAWS: region and credentials from the environment (AWS_REGION, AWS_PROFILE, ...); AWS_ENDPOINT_URL_*\npoint it at the local cloud.',
    )
    .action(async (file: string | undefined, options: ProvisionOptions) => {
      try {
        if (options.printPolicy) {
          const spec = file === undefined ? undefined : await readSpec(file);
          const region = regionOf(io.env);
          writeJson(
            io.out,
            devicePolicy({
              ...(spec && { streamNames: spec.cameras.map((c) => c.streamName) }),
              ...(region && { region }),
            }),
          );
          done(0);
          return;
        }
        if (file === undefined)
          throw new UsageError('give the provisioning file: kvs-edge provision <file.yaml>');
        const spec = await readSpec(file);
        const aws = awsClients(io.env);
        let twinmaker: { destroy(): void } | undefined;
        try {
          const result = await applyProvision(
            spec,
            {
              ...aws,
              // Loaded only for a file with a TwinMaker section.
              twinmaker: async () => {
                const { IoTTwinMakerClient } = await import('@aws-sdk/client-iottwinmaker');
                const endpoint = io.env.AWS_ENDPOINT_URL_IOTTWINMAKER;
                const client = new IoTTwinMakerClient({
                  ...(aws.region && { region: aws.region }),
                  ...awsCredentials(io.env),
                  // TwinMaker's data-plane calls go to api.<endpoint>; an overridden endpoint is used as is.
                  ...(endpoint && { endpoint, disableHostPrefix: true }),
                });
                twinmaker = client;
                return client;
              },
            },
            {
              dryRun: options.dryRun ?? false,
              ...(!options.json && { onChange: (c: Change) => void io.out.write(changeLine(c)) }),
            },
          );
          const count = (action: Change['action']) =>
            result.changes.filter((c) => c.action === action).length;
          if (options.json) writeJson(io.out, result);
          else {
            const verb = result.dryRun ? 'would be ' : '';
            io.out.write(
              `${result.dryRun ? 'dry run: ' : ''}${count('create')} ${verb}created, ${count('update')} ${verb}updated, ${count('unchanged')} unchanged\n`,
            );
            for (const hub of result.hubs) {
              if (hub.assetId) io.out.write(`hub "${hub.name}": SiteWiseAssetIdForHub = ${hub.assetId}\n`);
            }
          }
          done(0);
        } finally {
          aws.destroy();
          twinmaker?.destroy();
        }
      } catch (err) {
        if (err instanceof ProvisionFileError) {
          io.err.write(
            `kvs-edge provision: ${err.problems.length} mistake${err.problems.length === 1 ? '' : 's'} in ${err.file}, nothing was changed:\n${err.message}\n`,
          );
          done(2);
          return;
        }
        if (err instanceof ProvisionError) throw new CliError(err.message);
        throw err;
      }
    });
}
