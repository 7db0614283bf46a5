// `kvs-edge status [--json] [--watch [seconds]]`: the running component's live state per camera, read
// from its local status endpoint (src/observe). The endpoint is http://127.0.0.1:8970 unless
// KVS_EDGE_STATUS_PORT or --url says otherwise.
import type { Command } from 'commander';
import type { CameraStatusView, ComponentStatus, RangeView } from '../observe/index.js';
import { DEFAULT_STATUS_PORT } from '../observe/index.js';
import { CliError, UsageError, writeJson, type CliIo } from './io.js';

const FETCH_TIMEOUT_MS = 3_000;

export function statusUrl(env: NodeJS.ProcessEnv, url?: string): string {
  if (url) return url.replace(/\/+$/, '');
  if (env.KVS_EDGE_STATUS_URL) return env.KVS_EDGE_STATUS_URL.replace(/\/+$/, '');
  const port =
    env.KVS_EDGE_STATUS_PORT && /^\d+$/.test(env.KVS_EDGE_STATUS_PORT)
      ? env.KVS_EDGE_STATUS_PORT
      : DEFAULT_STATUS_PORT;
  return `http://127.0.0.1:${port}`;
}

export async function fetchStatus(base: string): Promise<ComponentStatus> {
  let res: Response;
  try {
    res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new CliError(
      `no component answers at ${base} (${cause}): is it running? It listens on 127.0.0.1:${DEFAULT_STATUS_PORT} ` +
        'unless KVS_EDGE_STATUS_PORT says otherwise (give the same variable or --url here)',
    );
  }
  if (!res.ok)
    throw new CliError(`${base}/status answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as ComponentStatus;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function ago(iso: string | undefined, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function ranges(list: RangeView[]): string {
  if (list.length === 0) return 'none';
  const shown = list.slice(-3).map((r) => `${r.start.slice(11, 19)}-${r.end.slice(11, 19)}Z`);
  return `${list.length > 3 ? `... ${list.length - 3} more, ` : ''}${shown.join(', ')}`;
}

function camera(c: CameraStatusView, now: number): string {
  const lines = [
    `camera ${c.assetId} (stream ${c.streamName})`,
    `  state ${c.state}; recording ${c.record ? 'on' : 'off'}, live ${c.live ? 'on' : 'off'}` +
      (c.reasons.length > 0 ? ` (${c.reasons.join(', ')})` : ' (no schedule window or request)'),
    `  ${c.fragmentsPerSecond.toFixed(2)} fragments/s, ${Math.round((c.bytesPerSecond * 8) / 1000)} kbit/s, ` +
      `last fragment ${ago(c.lastFragmentAt, now)}, ${c.restarts} restart${c.restarts === 1 ? '' : 's'}`,
    `  recorded ${ranges(c.recorded)}`,
    `  uploaded ${ranges(c.uploaded)}`,
    `  backlog ${duration(c.backlogSeconds)}${c.queuedUploads > 0 ? `, ${c.queuedUploads} request(s) queued` : ''}; disk ${mb(c.diskBytes)}`,
  ];
  if (c.lastError) lines.push(`  last error: ${c.lastError}`);
  if (c.lastUploadError) lines.push(`  last upload error: ${c.lastUploadError}`);
  if (c.recordingDenied) lines.push(`  recording refused: ${c.recordingDenied}`);
  if (c.liveMissingFromStore > 0)
    lines.push(`  live fragments never written to the store: ${c.liveMissingFromStore} (see the log)`);
  return lines.join('\n');
}

/** The status as a person reads it. */
export function formatStatus(s: ComponentStatus, now = Date.now()): string {
  const head = [
    `kvs-edge ${s.version}, pid ${s.pid}, up ${duration(s.uptimeSeconds)}, hub ${s.hub ?? 'not found yet'}`,
    `store ${mb(s.store.totalBytes)}${s.store.freeBytes !== undefined ? `, ${mb(s.store.freeBytes)} free` : ''}` +
      (s.store.denied ? `; NEW VIDEO REFUSED: ${s.store.reason ?? ''}` : ''),
    `memory ${mb(s.memory.rssBytes)} resident; event-loop delay p99 ${s.eventLoopDelayMs.p99} ms`,
  ];
  const body = s.cameras.length === 0 ? ['no camera is running'] : s.cameras.map((c) => camera(c, now));
  const skipped = s.skipped.map((p) => `skipped ${p.assetId}: ${p.message}`);
  return `${[...head, '', ...body, ...(skipped.length > 0 ? ['', ...skipped] : [])].join('\n')}\n`;
}

export function registerStatus(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('status')
    .description("the running component's cameras: state, last error, rates, ranges, backlog, disk")
    .option(
      '--url <url>',
      'status endpoint (default http://127.0.0.1:8970, or KVS_EDGE_STATUS_PORT / KVS_EDGE_STATUS_URL)',
    )
    .option('--json', 'the endpoint answer as JSON')
    .option('--watch [seconds]', 'refresh every few seconds (default 2) until Ctrl-C')
    .action(async (options: { url?: string; json?: boolean; watch?: string | boolean }) => {
      const base = statusUrl(io.env, options.url);
      const show = (s: ComponentStatus) =>
        options.json ? writeJson(io.out, s) : io.out.write(formatStatus(s));
      if (options.watch === undefined) {
        show(await fetchStatus(base));
        done(0);
        return;
      }
      const seconds = options.watch === true ? 2 : Number(options.watch);
      if (!(seconds >= 0.5))
        throw new UsageError(`--watch takes a number of seconds >= 0.5, got "${options.watch}"`);
      const stop = new AbortController();
      const onInt = () => stop.abort();
      process.once('SIGINT', onInt);
      try {
        while (!stop.signal.aborted) {
          const status = await fetchStatus(base);
          if (io.out.isTTY && !options.json) io.out.write('\x1b[2J\x1b[H');
          show(status);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, seconds * 1000);
            stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
        }
      } finally {
        process.off('SIGINT', onInt);
      }
      done(0);
    });
}
