// `kvs-edge request --camera <camera> <live | startMs-endMs> [--wait]` and
// `kvs-edge upload --camera <camera> --from <time> --to <time>`: write a VideoUploadRequest value the
// way the TwinMaker video player does (BatchPutAssetPropertyValue, entry id liveVideo, quality GOOD),
// then, for a range, follow VideoUploadedTimeRange until the whole range is persisted in KVS. Exit 0
// only when all of it arrived; 1 when the deadline passes first (what is missing is printed).
import {
  DescribeAssetCommand,
  GetAssetPropertyValueHistoryCommand,
  ListAssetsCommand,
  type IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import type { Command } from 'commander';
import { findCameraModel } from '../provision/index.js';
import { CameraProperty, parseRequest, putStringValue } from '../sitewise/index.js';
import { awsClients } from './aws.js';
import { CliError, UsageError, writeJson, type CliIo } from './io.js';

/** Writes `value` to the camera's VideoUploadRequest property; resolves to the property id. */
export async function sendUploadRequest(
  client: IoTSiteWiseClient,
  assetId: string,
  value: string,
): Promise<string> {
  const asset = await client.send(new DescribeAssetCommand({ assetId }));
  const property = asset.assetProperties?.find((p) => p.name?.toLowerCase() === 'videouploadrequest');
  if (!property?.id) {
    throw new CliError(
      `asset ${assetId} has no VideoUploadRequest property: is it a camera of the connector's model?`,
    );
  }
  await putStringValue(client, assetId, property.id, value, { entryId: 'liveVideo' });
  return property.id;
}

const ASSET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A camera by asset id, or by asset name under the reference's camera model. */
export async function resolveCamera(client: IoTSiteWiseClient, camera: string): Promise<string> {
  if (ASSET_ID.test(camera)) return camera;
  const modelId = await findCameraModel(client);
  if (modelId === undefined) {
    throw new CliError(`no camera asset model in SiteWise; run kvs-edge provision <file.yaml> first`);
  }
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListAssetsCommand({ assetModelId: modelId, nextToken }));
    const found = page.assetSummaries?.find((a) => a.name === camera);
    if (found?.id) return found.id;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new CliError(`no camera asset named "${camera}" (give its asset id or exact asset name)`);
}

/**
 * A time as people type it: ISO 8601, epoch milliseconds, `now`, or `-<n><s|m|h|d>` before now
 * (`-10m`).
 */
export function parseTime(name: string, text: string, now = Date.now()): number {
  const relative = /^-(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return Math.round(now - Number(relative[1]) * unit);
  }
  if (text.trim() === 'now') return now;
  if (/^\d{12,14}$/.test(text.trim())) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--${name} "${text}" is not a time: use ISO 8601 (2024-03-01T10:15:00Z), epoch ms, now, or -10m`,
    );
  }
  return ms;
}

interface Range {
  startMs: number;
  endMs: number;
}

/** The uploaded ranges the component reported (VideoUploadedTimeRange: timestamp = start, value = end s). */
async function uploadedRanges(
  client: IoTSiteWiseClient,
  assetId: string,
  propertyId: string,
  around: Range,
): Promise<Range[]> {
  const ranges: Range[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(
      new GetAssetPropertyValueHistoryCommand({
        assetId,
        propertyId,
        // A point is stamped with its range's start, which may lie well before the request.
        startDate: new Date(around.startMs - 24 * 3_600_000),
        endDate: new Date(Math.max(around.endMs, Date.now()) + 600_000),
        nextToken,
      }),
    );
    for (const v of out.assetPropertyValueHistory ?? []) {
      const startMs =
        (v.timestamp?.timeInSeconds ?? 0) * 1000 + Math.round((v.timestamp?.offsetInNanos ?? 0) / 1e6);
      const end = v.value?.doubleValue ?? v.value?.integerValue;
      if (end !== undefined) ranges.push({ startMs, endMs: end * 1000 });
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return ranges;
}

// The status value is in whole seconds at best; a second of slack at each end is not a missing second.
const EDGE_SLACK_MS = 1_000;

/** Parts of `want` no range covers. */
export function missingParts(want: Range, have: Range[]): Range[] {
  const sorted = [...have].sort((a, b) => a.startMs - b.startMs);
  const missing: Range[] = [];
  let cursor = want.startMs + EDGE_SLACK_MS;
  const end = want.endMs - EDGE_SLACK_MS;
  for (const r of sorted) {
    if (r.endMs <= cursor) continue;
    if (r.startMs > cursor + EDGE_SLACK_MS)
      missing.push({ startMs: cursor, endMs: Math.min(r.startMs, end) });
    cursor = Math.max(cursor, r.endMs);
    if (cursor >= end) break;
  }
  if (cursor < end) missing.push({ startMs: cursor, endMs: end });
  return missing.filter((m) => m.endMs > m.startMs);
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, missing: Range[]) => void;
}

/** Polls VideoUploadedTimeRange until `want` is covered; resolves to what is still missing ([] = all). */
export async function waitForUpload(
  client: IoTSiteWiseClient,
  assetId: string,
  want: Range,
  options: WaitOptions,
): Promise<Range[]> {
  const asset = await client.send(new DescribeAssetCommand({ assetId }));
  const property = asset.assetProperties?.find(
    (p) => p.name?.toLowerCase() === CameraProperty.uploadedRange.toLowerCase(),
  );
  if (!property?.id) throw new CliError(`asset ${assetId} has no VideoUploadedTimeRange property`);
  const deadline = Date.now() + options.timeoutMs;
  const total = want.endMs - want.startMs;
  for (;;) {
    const missing = missingParts(want, await uploadedRanges(client, assetId, property.id, want));
    const gone = missing.reduce((sum, m) => sum + (m.endMs - m.startMs), 0);
    options.onProgress?.(total <= 0 ? 1 : Math.max(0, 1 - gone / total), missing);
    if (missing.length === 0 || Date.now() >= deadline || options.signal?.aborted) return missing;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(options.pollMs ?? 2_000, Math.max(0, deadline - Date.now()))),
    );
  }
}

function progressReporter(io: CliIo, json: boolean) {
  let lastLine = '';
  return {
    update(fraction: number) {
      if (json) return;
      const percent = Math.floor(fraction * 100);
      if (io.err.isTTY) {
        const width = 30;
        const filled = Math.round(fraction * width);
        io.err.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% in KVS`);
      } else {
        const line = `${percent}% in KVS`;
        if (line !== lastLine) io.err.write(`${line}\n`);
        lastLine = line;
      }
    },
    end() {
      if (!json && io.err.isTTY) io.err.write('\n');
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

async function sendAndWait(
  io: CliIo,
  options: { camera: string; value: string; range?: Range; wait: boolean; timeout: string; json?: boolean },
): Promise<number> {
  const timeoutMs = Number(options.timeout) * 1000;
  if (!(timeoutMs > 0))
    throw new UsageError(`--timeout must be a positive number of seconds, got "${options.timeout}"`);
  const aws = awsClients(io.env);
  try {
    const assetId = await resolveCamera(aws.sitewise, options.camera);
    await sendUploadRequest(aws.sitewise, assetId, options.value);
    if (!options.json) io.err.write(`sent VideoUploadRequest "${options.value}" to camera ${assetId}\n`);
    if (!options.wait || !options.range) {
      if (options.json) writeJson(io.out, { assetId, request: options.value, sent: true });
      else io.out.write(`sent VideoUploadRequest "${options.value}" to camera ${assetId}\n`);
      return 0;
    }
    const progress = progressReporter(io, options.json ?? false);
    const missing = await waitForUpload(aws.sitewise, assetId, options.range, {
      timeoutMs,
      onProgress: (fraction) => progress.update(fraction),
    });
    progress.end();
    const result = {
      assetId,
      request: options.value,
      from: iso(options.range.startMs),
      to: iso(options.range.endMs),
      complete: missing.length === 0,
      missing: missing.map((m) => ({ from: iso(m.startMs), to: iso(m.endMs) })),
    };
    if (options.json) writeJson(io.out, result);
    else if (result.complete) io.out.write(`all of ${result.from} - ${result.to} is in KVS\n`);
    else {
      io.out.write(
        `not all of ${result.from} - ${result.to} reached KVS within ${options.timeout} s; missing:\n` +
          result.missing.map((m) => `  ${m.from} - ${m.to}\n`).join('') +
          'is the camera recording that range (kvs-edge status), and is the component running?\n',
      );
    }
    return result.complete ? 0 : 1;
  } finally {
    aws.destroy();
  }
}

export function registerRequest(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('request')
    .description('send a VideoUploadRequest as the TwinMaker video player does')
    .requiredOption('--camera <camera>', 'camera asset id or asset name')
    .argument('<value>', 'live, or <startMs>-<endMs> (epoch milliseconds)')
    .option('--wait', 'for a range: wait until all of it is in KVS (exit 1 if it does not get there)')
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .option('--json', 'machine-readable result on stdout')
    .action(
      async (value: string, options: { camera: string; wait?: boolean; timeout: string; json?: boolean }) => {
        let parsed;
        try {
          // The component rejects a malformed value only in its own log; say so here, before anything is sent.
          parsed = parseRequest(value, { allowFutureEnd: true });
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const range = parsed.kind === 'live' ? undefined : { startMs: parsed.startMs, endMs: parsed.endMs };
        done(
          await sendAndWait(io, { ...options, value, wait: options.wait ?? false, ...(range && { range }) }),
        );
      },
    );
  program
    .command('upload')
    .description('upload a recorded time range to KVS and wait until all of it arrived')
    .requiredOption('--camera <camera>', 'camera asset id or asset name')
    .requiredOption('--from <time>', 'start: ISO 8601, epoch ms, now, or -10m')
    .requiredOption('--to <time>', 'end: ISO 8601, epoch ms, now, or -1m')
    .option('--timeout <seconds>', 'how long to wait for the whole range', '600')
    .option('--no-wait', 'send the request and return')
    .option('--json', 'machine-readable result on stdout')
    .action(
      async (options: {
        camera: string;
        from: string;
        to: string;
        timeout: string;
        wait: boolean;
        json?: boolean;
      }) => {
        const now = Date.now();
        const startMs = parseTime('from', options.from, now);
        const endMs = parseTime('to', options.to, now);
        if (endMs <= startMs)
          throw new UsageError(`--to must be after --from (${iso(startMs)} - ${iso(endMs)})`);
        done(
          await sendAndWait(io, {
            ...options,
            value: `${startMs}-${endMs}`,
            range: { startMs, endMs },
          }),
        );
      },
    );
}
