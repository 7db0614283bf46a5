// `kvs-edge vod <publish|setup|harvest|status>`: MediaPackage VOD from a shell. Endpoints and region
// come from the environment (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD,
// AWS_ENDPOINT_URL_SECRETS_MANAGER: what the local cloud prints); the Vod settings from --config
// <file> or KVS_EDGE_VOD (JSON). Exit codes: 0 done, 1 failed (the reason is printed), 2 usage.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from 'commander';
import type { CliIo } from './io.js';
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

const USAGE = `usage: kvs-edge vod <command> [options]

  publish --camera <asset id or stream name> --from <ISO> --to <ISO>
          [--recordings <dir>] [--thing <name>] [--config <file>] [--json]
  setup   --group <id> [--cdn-secret-arn <arn> --cdn-role-arn <arn>] [--segment-seconds <n>]
  harvest --asset <id> --to <s3://bucket/prefix | folder> [--concurrency <n>]
  status  [--group <id>] [--json]

Vod settings: --config <file> (its Vod key) or KVS_EDGE_VOD='{"S3Bucket":...}'.
Endpoints: AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD, AWS_ENDPOINT_URL_SECRETS_MANAGER.`;

/** Where the command writes and what it reads; tests pass their own. */
export interface VodCliIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Maps --camera to a store folder when it is not one already (e.g. a KVS stream name). */
  resolveCamera?: (name: string, known: string[]) => Promise<string | undefined>;
  /** Test hook for DescribeAsset polling speed. */
  poll?: { initialDelayMs?: number; maxDelayMs?: number; deadlineMs?: number };
}

class UsageError extends Error {}

const defaultIo = (): VodCliIo => ({ out: process.stdout, err: process.stderr, env: process.env });

function time(name: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`--${name} is required`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`--${name} "${text}" is not an ISO time (e.g. 2024-03-01T10:15:00Z)`);
  return ms;
}

async function vodConfig(
  file: string | undefined,
  env: VodCliIo['env'],
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

async function publish(args: string[], io: VodCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      camera: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      recordings: { type: 'string' },
      thing: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!values.camera) throw new UsageError('--camera is required');
  const startMs = time('from', values.from);
  const endMs = time('to', values.to);
  if (endMs <= startMs) throw new UsageError('--to must be after --from');
  const { vod, recordings } = await vodConfig(values.config, io.env);
  const root = values.recordings !== undefined ? path.resolve(values.recordings) : recordings;
  const known = await recordedCameras(root);
  const cameraId = known.includes(values.camera)
    ? values.camera
    : await io.resolveCamera?.(values.camera, known);
  if (cameraId === undefined || !known.includes(cameraId)) {
    throw new VodError(
      'no-recording',
      `no recordings for camera "${values.camera}" under ${root}; cameras with recordings: ${known.join(', ') || '(none)'}`,
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
        thingName: values.thing ?? io.env.AWS_IOT_THING_NAME ?? 'local',
      },
      {
        cameraId,
        startMs,
        endMs,
        settings: vodSettingsFor(vod),
        ...(io.poll && { poll: io.poll }),
        onProgress: (s) => {
          if (!values.json) io.err.write(`${s.state.toLowerCase()}...\n`);
        },
      },
    );
    if (values.json) io.out.write(`${JSON.stringify(status, null, 2)}\n`);
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

async function setup(args: string[], io: VodCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      group: { type: 'string' },
      'cdn-secret-arn': { type: 'string' },
      'cdn-role-arn': { type: 'string' },
      'segment-seconds': { type: 'string' },
    },
  });
  if (!values.group) throw new UsageError('--group is required');
  const seconds = values['segment-seconds'] === undefined ? undefined : Number(values['segment-seconds']);
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 30))
    throw new UsageError('--segment-seconds must be a whole number from 1 to 30');
  const clients = createVodClients({ env: io.env });
  try {
    const r = await setupPackagingGroup(clients.mediapackage, {
      groupId: values.group,
      ...(values['cdn-secret-arn'] !== undefined && { cdnIdentifierSecretArn: values['cdn-secret-arn'] }),
      ...(values['cdn-role-arn'] !== undefined && { secretsRoleArn: values['cdn-role-arn'] }),
      ...(seconds !== undefined && { segmentDurationSeconds: seconds }),
    });
    io.out.write(`packaging group ${r.groupId}: ${r.group}${r.domainName ? ` (${r.domainName})` : ''}\n`);
    for (const c of r.configurations) io.out.write(`  ${c.kind} configuration ${c.id}: ${c.action}\n`);
    return 0;
  } finally {
    clients.destroy();
  }
}

async function harvest(args: string[], io: VodCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { asset: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' } },
  });
  if (!values.asset) throw new UsageError('--asset is required');
  if (!values.to) throw new UsageError('--to is required (s3://bucket/prefix or a folder)');
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64))
    throw new UsageError('--concurrency must be a whole number from 1 to 64');
  const clients = createVodClients({ env: io.env });
  try {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(values.to);
    const sink = m ? s3Sink(clients.s3, m[1]!, m[2]!) : folderSink(path.resolve(values.to));
    const results = await harvestAsset(clients, values.asset, sink, {
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

async function status(args: string[], io: VodCliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { group: { type: 'string' }, json: { type: 'boolean' } } });
  const clients = createVodClients({ env: io.env });
  try {
    const overview = await vodOverview(
      clients.mediapackage,
      values.group !== undefined ? { groupId: values.group } : {},
    );
    io.out.write(values.json ? `${JSON.stringify(overview, null, 2)}\n` : formatOverview(overview));
    return 0;
  } finally {
    clients.destroy();
  }
}

/** Runs `kvs-edge vod ...`; returns the exit code. */
export async function runVod(args: string[], io: VodCliIo = defaultIo()): Promise<number> {
  const [command, ...rest] = args;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'publish':
        return await publish(rest, io);
      case 'setup':
        return await setup(rest, io);
      case 'harvest':
        return await harvest(rest, io);
      case 'status':
        return await status(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.out.write(`${USAGE}\n`);
        return 0;
      case undefined:
        io.err.write(`${USAGE}\n`);
        return 2;
      default:
        throw new UsageError(`unknown vod command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.err.write(`kvs-edge vod: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err.write(`kvs-edge vod: ${(err as Error).message}\n`);
    return 1;
  }
}

/** `vod` keeps its own argument parsing (four subcommands with their own options); help included. */
export function registerVod(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('vod')
    .description('MediaPackage VOD: publish a clip, set up a packaging group, harvest, status')
    .argument('[args...]', 'publish | setup | harvest | status, and their options (kvs-edge vod --help)')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (args: string[]) => {
      done(await runVod(args, { out: io.out, err: io.err, env: io.env }));
    });
}
