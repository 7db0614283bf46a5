// `kvs-edge vod publish|setup|harvest|status`: MediaPackage VOD from a shell. Endpoints and region
// come from the environment (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD,
// AWS_ENDPOINT_URL_SECRETS_MANAGER: what the local cloud prints); the Vod settings from --config
// <file> or KVS_EDGE_VOD (JSON). Subcommands on commander like every other command: --help each,
// exit 0 done, 1 failed (the reason is printed), 2 usage.
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError, writeJson, type CliIo } from './io.js';
import { loadConfigFile } from '../config/index.js';
import { createLogger } from '../log/index.js';
import {
  VodError,
  createVodClients,
  folderSink,
  formatOverview,
  harvestAsset,
  parseVodConfig,
  publishClip,
  recordedCameras,
  recordingsReader,
  s3Sink,
  setupPackagingGroup,
  vodOverview,
  vodSettingsFor,
  type VodConfig,
} from '../vod/index.js';

/** Test hook: DescribeAsset polling speed (the stand-in is ready in milliseconds, AWS in minutes). */
export interface VodHooks {
  poll?: { initialDelayMs?: number; maxDelayMs?: number; deadlineMs?: number };
}

function time(name: string, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`--${name} "${text}" is not an ISO time (e.g. 2024-03-01T10:15:00Z)`);
  return ms;
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The Vod module's own failures are the command's failure, in its words (exit 1). */
async function asCliError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof VodError) throw new CliError(err.message);
    throw err;
  }
}

async function vodConfig(
  file: string | undefined,
  env: CliIo['env'],
): Promise<{ vod: VodConfig; recordings: string }> {
  let vod: VodConfig | null;
  let recordings = env.KVS_EDGE_RECORDINGS_PATH ?? '';
  if (file !== undefined) {
    const config = await loadConfigFile(file, env);
    vod = config.Vod;
    recordings = config.RecordingsPath;
  } else {
    let raw: unknown = env.KVS_EDGE_VOD;
    if (typeof raw === 'string' && raw.trim() !== '') {
      try {
        raw = JSON.parse(raw);
      } catch {
        throw new VodError(
          'config',
          'KVS_EDGE_VOD is not JSON; set it to {"S3Bucket":...,"PackagingGroupId":...,"SourceRoleArn":...}',
        );
      }
    }
    vod = parseVodConfig(raw);
  }
  if (!vod)
    throw new VodError(
      'config',
      'VOD publishing is not configured: pass --config <file> with a Vod key or set KVS_EDGE_VOD',
    );
  return { vod, recordings: recordings === '' ? path.resolve('recordings') : path.resolve(recordings) };
}

interface PublishOptions {
  camera: string;
  from: string;
  to: string;
  recordings?: string;
  thing?: string;
  config?: string;
  json?: boolean;
}

async function publish(options: PublishOptions, io: CliIo, hooks: VodHooks): Promise<number> {
  const startMs = time('from', options.from);
  const endMs = time('to', options.to);
  if (endMs <= startMs) throw new UsageError('--to must be after --from');
  const { vod, recordings } = await vodConfig(options.config, io.env);
  const root = options.recordings !== undefined ? path.resolve(options.recordings) : recordings;
  const known = await recordedCameras(root);
  if (!known.includes(options.camera)) {
    throw new CliError(
      `no recordings for camera "${options.camera}" under ${root} (give the camera's asset id, its folder name); cameras with recordings: ${known.join(', ') || '(none)'}`,
    );
  }
  const clients = createVodClients({ env: io.env, ...(vod.Region !== undefined && { region: vod.Region }) });
  try {
    const status = await publishClip(
      {
        store: recordingsReader(root),
        s3: clients.s3,
        mediapackage: clients.mediapackage,
        log: createLogger({ level: 'warn', destination: io.err }),
        thingName: options.thing ?? io.env.AWS_IOT_THING_NAME ?? 'local',
      },
      {
        cameraId: options.camera,
        startMs,
        endMs,
        settings: vodSettingsFor(vod),
        ...(hooks.poll && { poll: hooks.poll }),
        onProgress: (s) => {
          if (!options.json) io.err.write(`${s.state.toLowerCase()}...\n`);
        },
      },
    );
    if (options.json) writeJson(io.out, status);
    else {
      io.out.write(`asset ${status.assetId}: ${status.state}\n`);
      if (status.clip)
        io.out.write(`clip ${status.clip.start} .. ${status.clip.end} (${status.clip.durationS} s)\n`);
      if (status.source) io.out.write(`source ${status.source}\n`);
      for (const [id, e] of Object.entries(status.egress)) io.out.write(`  ${id}: ${e.status} ${e.url}\n`);
      for (const n of status.notes) io.out.write(`note: ${n}\n`);
      if (status.error) io.out.write(`error (${status.error.code}): ${status.error.message}\n`);
    }
    return status.state === 'PLAYABLE' ? 0 : 1;
  } finally {
    clients.destroy();
  }
}

interface SetupOptions {
  group: string;
  cdnSecretArn?: string;
  cdnRoleArn?: string;
  segmentSeconds?: string;
}

async function setup(options: SetupOptions, io: CliIo): Promise<number> {
  const seconds =
    options.segmentSeconds === undefined
      ? undefined
      : wholeNumber('segment-seconds', options.segmentSeconds, 1, 30);
  const clients = createVodClients({ env: io.env });
  try {
    const r = await setupPackagingGroup(clients.mediapackage, {
      groupId: options.group,
      ...(options.cdnSecretArn !== undefined && { cdnIdentifierSecretArn: options.cdnSecretArn }),
      ...(options.cdnRoleArn !== undefined && { secretsRoleArn: options.cdnRoleArn }),
      ...(seconds !== undefined && { segmentDurationSeconds: seconds }),
    });
    io.out.write(`packaging group ${r.groupId}: ${r.group}${r.domainName ? ` (${r.domainName})` : ''}\n`);
    for (const c of r.configurations) io.out.write(`  ${c.kind} configuration ${c.id}: ${c.action}\n`);
    return 0;
  } finally {
    clients.destroy();
  }
}

async function harvest(
  options: { asset: string; to: string; concurrency: string },
  io: CliIo,
): Promise<number> {
  const concurrency = wholeNumber('concurrency', options.concurrency, 1, 64);
  const clients = createVodClients({ env: io.env });
  try {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(options.to);
    const sink = m ? s3Sink(clients.s3, m[1]!, m[2]!) : folderSink(path.resolve(options.to));
    const results = await harvestAsset(clients, options.asset, sink, {
      concurrency,
      onProgress: (p) =>
        io.err.write(
          `\r${p.configuration}: ${p.done}/${p.total} files, ${(p.bytes / 1e6).toFixed(1)} MB, ${p.skipped} already there   `,
        ),
    });
    io.err.write('\n');
    for (const r of results) {
      if (r.error !== undefined) io.out.write(`${r.configuration}: FAILED: ${r.error}\n`);
      else
        io.out.write(
          `${r.configuration}: ${r.files} files (${r.downloaded} downloaded, ${r.skipped} already there), manifest ${sink.description.replace(/\/?$/, '/')}${r.manifest}\n`,
        );
    }
    return results.length > 0 && results.every((r) => r.error === undefined) ? 0 : 1;
  } finally {
    clients.destroy();
  }
}

async function status(options: { group?: string; json?: boolean }, io: CliIo): Promise<number> {
  const clients = createVodClients({ env: io.env });
  try {
    const overview = await vodOverview(
      clients.mediapackage,
      options.group !== undefined ? { groupId: options.group } : {},
    );
    if (options.json) writeJson(io.out, overview);
    else io.out.write(formatOverview(overview));
    return 0;
  } finally {
    clients.destroy();
  }
}

const SETTINGS_HELP = `
Vod settings: --config <file> (its Vod key) or KVS_EDGE_VOD='{"S3Bucket":...}'.
Endpoints: AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD, AWS_ENDPOINT_URL_SECRETS_MANAGER.`;

export function registerVod(
  program: Command,
  io: CliIo,
  done: (code: number) => void,
  hooks: VodHooks = {},
): void {
  const vod = program
    .command('vod')
    .description('MediaPackage VOD: publish a clip, set up a packaging group, harvest, status')
    .addHelpText('after', SETTINGS_HELP);
  vod
    .command('publish')
    .description('publish recorded video of one camera as a MediaPackage VOD asset and wait until it plays')
    .requiredOption('--camera <asset id>', "the camera's asset id (its folder under the recordings)")
    .requiredOption('--from <ISO time>', 'clip start, e.g. 2024-03-01T10:15:00Z')
    .requiredOption('--to <ISO time>', 'clip end')
    .option(
      '--recordings <dir>',
      'the recordings folder (default: RecordingsPath of --config, or ./recordings)',
    )
    .option('--thing <name>', 'thing name in the S3 key (default AWS_IOT_THING_NAME or "local")')
    .option('-c, --config <file>', 'component configuration file with a Vod key')
    .option('--json', 'the asset status as JSON')
    .addHelpText('after', SETTINGS_HELP)
    .action(async (options: PublishOptions) => done(await asCliError(() => publish(options, io, hooks))));
  vod
    .command('setup')
    .description('create or update a packaging group with HLS, DASH and CMAF configurations')
    .requiredOption('--group <id>', 'packaging group id')
    .option('--cdn-secret-arn <arn>', 'CDN authorization secret (with --cdn-role-arn)')
    .option('--cdn-role-arn <arn>', 'role MediaPackage uses to read that secret')
    .option('--segment-seconds <n>', 'segment duration, 1 to 30 (default 6)')
    .action(async (options: SetupOptions) => done(await asCliError(() => setup(options, io))));
  vod
    .command('harvest')
    .description("download an asset's packaged files (every configuration) to S3 or a folder")
    .requiredOption('--asset <id>', 'MediaPackage VOD asset id')
    .requiredOption('--to <destination>', 's3://bucket/prefix or a folder')
    .option('--concurrency <n>', 'downloads at once, 1 to 64', '8')
    .action(async (options: { asset: string; to: string; concurrency: string }) =>
      done(await asCliError(() => harvest(options, io))),
    );
  vod
    .command('status')
    .description("packaging groups, configurations and assets, with each asset's egress state")
    .option('--group <id>', 'only this packaging group')
    .option('--json', 'as JSON')
    .action(async (options: { group?: string; json?: boolean }) =>
      done(await asCliError(() => status(options, io))),
    );
}
