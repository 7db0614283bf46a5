// System benchmark: the whole component recording and streaming live N cameras, next to N bare
// `gst-launch-1.0 -e rtspsrc ! rtph264depay ! h264parse ! matroskamux ! filesink` pipelines (the floor
// any GStreamer recorder pays), measured in the same window so the ratio holds however busy the
// machine is. The 1-minute load average is printed beside every figure for that reason.
//
// Processes: this script (sampling only); the RTSP test camera (python, /clip replays one 1080p30
// 4 Mbit/s H.264 file without re-encoding, shared by every client); the local cloud in its own Node
// process (bench/system/cloud.ts); the component as a device runs it (`node dist/main.js` under the
// local Greengrass nucleus) with its python-gi runner children; the bare pipelines.
//
// Run: npm run bench:system -- [--cameras 1,4,8,16] [--seconds 60] [--warmup 15] [--cpu-prof DIR] [--node-args '...']
//   [--dist DIR] (another build of the component, e.g. the one before a change) [--cloud-prof DIR]
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTestCamera } from '@kvs-edge/localcloud';
import { scanFile } from '../src/mkv/index.js';
import type { CloudReply, CloudRequest, KvsFragment, SetupReply } from './system/protocol.js';
import { cpuPercent, loadAverage, rssMb, snapshot, tree, type ProcSample } from './system/proc.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CACHE = path.join(os.tmpdir(), 'kvs-edge-bench');

const { values: flags } = parseArgs({
  options: {
    cameras: { type: 'string', default: '1,4,8,16' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    'cpu-prof': { type: 'string' },
    'cloud-prof': { type: 'string' },
    // Extra node flags for the component, e.g. "--max-semi-space-size=2", to try runtime settings.
    'node-args': { type: 'string', default: '' },
    // Another build of the component (a folder holding main.js) to compare with, e.g. the one before a change.
    dist: { type: 'string' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
const counts = flags.cameras.split(',').map(Number);
const windowSeconds = Number(flags.seconds);
const warmupSeconds = Number(flags.warmup);
if (counts.some((n) => !Number.isInteger(n) || n < 1) || !(windowSeconds > 0) || !(warmupSeconds >= 0)) {
  throw new Error('--cameras takes whole numbers >= 1 (e.g. 1,4,8,16); --seconds and --warmup take seconds');
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 1080p30 4 Mbit/s H.264 clip long enough for the run, encoded once (60 s) and looped by copying. */
function clip(seconds: number): string {
  mkdirSync(CACHE, { recursive: true });
  const base = path.join(CACHE, 'clip1080-60s.mkv');
  if (!existsSync(base)) {
    console.log('encoding a 60 s 1080p30 4 Mbit/s H.264 clip (once) ...');
    // testsrc2 plus temporal noise keeps the encoder at its bitrate instead of coasting on still frames.
    // The arguments match bench/camera-source.ts: High profile, 2 s GOP, no B-frames.
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30'],
      ...['-vf', 'noise=alls=12:allf=t', '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast'],
      ...['-profile:v', 'high', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '4M'],
      ...['-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-bf', '0', base],
    ]);
  }
  const loops = Math.ceil(seconds / 60);
  const file = path.join(CACHE, `clip1080-${loops * 60}s.mkv`);
  if (!existsSync(file)) {
    // The test camera does not loop a clip; a longer file made by stream copy keeps it playing.
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', base, '-c', 'copy', file],
    ]);
  }
  return file;
}

class Cloud {
  readonly child: ChildProcess;
  #waiters: ((r: CloudReply) => void)[] = [];
  constructor(profileDir?: string) {
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : [];
    this.child = fork(path.join(ROOT, 'bench/system/cloud.ts'), [], {
      execArgv: ['--import', 'tsx', ...profile],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: CloudReply) => this.#waiters.shift()?.(m));
  }
  async ask(request: CloudRequest): Promise<CloudReply> {
    const reply = new Promise<CloudReply>((resolve) => this.#waiters.push(resolve));
    this.child.send(request);
    const r = await reply;
    if (r.type === 'error') throw new Error(`local cloud: ${r.message}`);
    return r;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Epoch ms of a fragment's end as the stand-in holds it: last frame start + one frame. */
function fragmentEnd(f: KvsFragment): number {
  const frame = f.frames > 1 ? f.durationMs / (f.frames - 1) : 0;
  return f.producerMs + f.durationMs + frame;
}

interface Row {
  n: number;
  load: { start: number; mean: number; end: number };
  connectorCpu: number;
  nodeCpu: number;
  runnerCpu: number;
  bareCpu: number;
  connectorRss: number;
  nodeRss: number;
  runnerRss: number;
  bareRss: number;
  nodeRssFirst: number;
  nodeRssLast: number;
  cloudCpu: number;
  cameraCpu: number;
  coldStartMs: number;
  coldStartAllMs: number;
  coldStartLoad: number;
  latency: { p50: number; p90: number; p99: number; max: number; count: number };
  recorded: number;
  missing: number;
  duplicated: number;
  received: number;
  warnings: number;
  /** Node's RSS split from /proc/PID/smaps_rollup at the window's end, MB. */
  nodeMemory: { anonymous: number; file: number; heapUsed: number; heapTotal: number; arrayBuffers: number };
}

/** Anonymous (heap, buffers, native allocations) vs file-backed (code, shared libraries) RSS, MB. */
function smapsRollup(pid: number): { anonymous: number; file: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const anonymous = kb('Anonymous') / 1024;
  return { anonymous, file: kb('Rss') / 1024 - anonymous };
}

async function run(n: number, clipFile: string): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvs-edge-system-'));
  const recordings = path.join(dir, 'recordings');
  const camera = await startTestCamera({ clip: clipFile });
  const cloud = new Cloud(flags['cloud-prof']);
  let connector: ChildProcess | undefined;
  const bare: ChildProcess[] = [];
  try {
    const setup = (await cloud.ask({
      type: 'setup',
      thingName: 'bench-gateway',
      cameras: n,
      rtspUrl: camera.url('/clip'),
      configuration: { RecordingsPath: recordings, LogLevel: 'info' },
    })) as SetupReply;

    // The component, as the recipe runs it, under the local nucleus.
    const memoryFile = path.join(dir, 'memory.jsonl');
    const env: NodeJS.ProcessEnv = { ...process.env, ...setup.env, KVS_EDGE_BENCH_MEMORY_FILE: memoryFile };
    delete env.NODE_OPTIONS;
    const profileArgs = flags['cpu-prof']
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          path.resolve(flags['cpu-prof']),
          '--cpu-prof-name',
          `connector-n${n}.cpuprofile`,
        ]
      : [];
    const spawnedAt = Date.now();
    connector = spawn(
      process.execPath,
      [
        ...flags['node-args'].split(' ').filter(Boolean),
        ...profileArgs,
        ...['--import', path.join(ROOT, 'bench/system/memory-probe.mjs')],
        path.resolve(flags.dist ?? path.join(ROOT, 'dist'), 'main.js'),
      ],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let warnings = 0;
    const tail: string[] = [];
    let partial = '';
    connector.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        if (/"level":(40|50|60)/.test(l)) warnings++;
        tail.push(l);
        if (tail.length > 30) tail.shift();
      }
    });
    connector.stderr!.setEncoding('utf8').on('data', (t: string) => tail.push(t));

    // Cold start: spawn to the first recorded bytes (a file with data; fragments are 2 s GOPs).
    const firstFile = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    while (firstFile.size < n) {
      if (Date.now() > deadline || connector.exitCode !== null) {
        throw new Error(`cameras did not record within 60 s:\n${tail.join('\n')}`);
      }
      for (const c of setup.cameras) {
        if (firstFile.has(c.assetId)) continue;
        const folder = path.join(recordings, c.assetId);
        const hit = (existsSync(folder) ? readdirSync(folder) : []).some(
          (f) => f.endsWith('.mkv') && statSync(path.join(folder, f)).size > 0,
        );
        if (hit) firstFile.set(c.assetId, Date.now());
      }
      await wait(50);
    }
    const times = [...firstFile.values()];
    const coldStartMs = Math.min(...times) - spawnedAt;
    const coldStartAllMs = Math.max(...times) - spawnedAt;
    const coldStartLoad = loadAverage();

    for (let i = 0; i < n; i++) {
      bare.push(
        spawn(
          'gst-launch-1.0',
          [
            '-e',
            ...['rtspsrc', `location=${camera.url('/clip')}`, 'protocols=tcp', '!', 'rtph264depay', '!'],
            ...[
              'h264parse',
              '!',
              'matroskamux',
              '!',
              'filesink',
              `location=${path.join(dir, `bare-${i}.mkv`)}`,
            ],
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    await wait(warmupSeconds * 1000);

    const group = (all: Map<number, ProcSample>) => {
      const conn = tree(all, connector!.pid!);
      return {
        node: conn.filter((s) => s.pid === connector!.pid),
        runner: conn.filter((s) => s.pid !== connector!.pid),
        bare: bare.flatMap((b) => tree(all, b.pid!)),
        cloud: tree(all, cloud.child.pid!),
        camera: tree(all, camera.pid),
      };
    };
    const loadStart = loadAverage();
    const windowStart = Date.now();
    const first = group(snapshot());
    const rss = { node: [] as number[], runner: [] as number[], bare: [] as number[] };
    const loads: number[] = [];
    let last = first;
    for (let t = 0; t < windowSeconds; t++) {
      await wait(1000);
      last = group(snapshot());
      rss.node.push(rssMb(last.node));
      rss.runner.push(rssMb(last.runner));
      rss.bare.push(rssMb(last.bare));
      loads.push(loadAverage());
    }
    const windowEnd = Date.now();
    // A bare pipeline that ended inside the window (the clip ran out: set-up on a loaded machine can
    // take minutes) would make its CPU vanish from the comparison; refuse the row instead.
    const ended = bare.filter((b) => b.exitCode !== null || b.signalCode !== null).length;
    if (ended > 0) {
      throw new Error(
        `${ended} of ${n} bare pipelines ended inside the window; their figures would be wrong`,
      );
    }
    const lastProbe = existsSync(memoryFile)
      ? readFileSync(memoryFile, 'utf8').trim().split('\n').at(-1)
      : '';
    const probed = (lastProbe ? JSON.parse(lastProbe) : {}) as Record<string, number>;
    const mb = (k: string) => (probed[k] ?? NaN) / 1048576;
    const nodeMemory = {
      ...smapsRollup(connector.pid!),
      heapUsed: mb('heapUsed'),
      heapTotal: mb('heapTotal'),
      arrayBuffers: mb('arrayBuffers'),
    };
    const seconds = (windowEnd - windowStart) / 1000;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const nodeCpu = cpuPercent(first.node, last.node, seconds);
    const runnerCpu = cpuPercent(first.runner, last.runner, seconds);
    const third = Math.max(1, Math.floor(rss.node.length / 3));

    // Stop the component (EOS to its pipelines, last fragments uploaded) and the bare pipelines.
    await Promise.all([stopChild(connector, 15_000), ...bare.map((b) => stopChild(b, 5_000))]);

    // Latency: fragments whose producer time lies in the window; the stand-in stamps a fragment when
    // it has all of it and sends PERSISTED in the same turn.
    const streams = setup.cameras.map((c) => c.streamName);
    const held = (
      (await cloud.ask({ type: 'fragments', streams })) as Extract<CloudReply, { type: 'fragments' }>
    ).streams;
    const latencies: number[] = [];
    let received = 0;
    let missing = 0;
    let duplicated = 0;
    let recorded = 0;
    for (const c of setup.cameras) {
      const kvs = held[c.streamName] ?? [];
      received += kvs.length;
      const seen = new Map<number, number>();
      for (const f of kvs) seen.set(f.producerMs, (seen.get(f.producerMs) ?? 0) + 1);
      for (const count of seen.values()) if (count > 1) duplicated += count - 1;
      for (const f of kvs) {
        if (f.producerMs >= windowStart && f.producerMs < windowEnd)
          latencies.push(f.serverMs - fragmentEnd(f));
      }
      // Every fragment recorded while live (from the window's start on) must be in KVS, once.
      const folder = path.join(recordings, c.assetId);
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.mkv'))) {
        const scan = await scanFile(path.join(folder, file));
        for (const f of scan.fragments) {
          if (f.startMs < windowStart) continue;
          recorded++;
          if (!seen.has(f.startMs)) missing++;
        }
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      n,
      load: { start: loadStart, mean: mean(loads), end: loads.at(-1)! },
      connectorCpu: nodeCpu + runnerCpu,
      nodeCpu,
      runnerCpu,
      bareCpu: cpuPercent(first.bare, last.bare, seconds),
      connectorRss: mean(rss.node) + mean(rss.runner),
      nodeRss: mean(rss.node),
      runnerRss: mean(rss.runner),
      bareRss: mean(rss.bare),
      nodeRssFirst: mean(rss.node.slice(0, third)),
      nodeRssLast: mean(rss.node.slice(-third)),
      cloudCpu: cpuPercent(first.cloud, last.cloud, seconds),
      cameraCpu: cpuPercent(first.camera, last.camera, seconds),
      coldStartMs,
      coldStartAllMs,
      coldStartLoad,
      latency: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
        count: latencies.length,
      },
      recorded,
      missing,
      duplicated,
      received,
      warnings,
      nodeMemory,
    };
  } finally {
    if (connector) await stopChild(connector, 5_000);
    await Promise.all(bare.map((b) => stopChild(b, 5_000)));
    await cloud.ask({ type: 'stop' }).catch(() => undefined);
    await exited(cloud.child);
    await camera.stop();
    if (!flags['keep-logs']) rmSync(dir, { recursive: true, force: true });
  }
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function main() {
  // The margin covers set-up (provisioning N cameras, cold start), which took over 100 s at load 25.
  const clipFile = clip(warmupSeconds + windowSeconds + 300);
  console.log(
    `system benchmark: cameras ${counts.join(',')}; ${warmupSeconds} s warm-up, ${windowSeconds} s window; ` +
      `${os.cpus().length} cores; clip ${path.basename(clipFile)}`,
  );
  const rows: Row[] = [];
  for (const n of counts) {
    console.log(`\nN=${n} ...`);
    const row = await run(n, clipFile);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  console.log(
    '\n| N | load 1m (start/mean/end) | connector CPU % | bare gst CPU % | ratio | connector RSS MB | bare gst RSS MB | ratio | live end->PERSISTED p50/p90/p99/max ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const l = r.latency;
    console.log(
      `| ${r.n} | ${f1(r.load.start)}/${f1(r.load.mean)}/${f1(r.load.end)} | ${f1(r.connectorCpu)} | ${f1(r.bareCpu)} | ${f2(r.connectorCpu / r.bareCpu)}x | ` +
        `${Math.round(r.connectorRss)} | ${Math.round(r.bareRss)} | ${f2(r.connectorRss / r.bareRss)}x | ` +
        `${Math.round(l.p50)} / ${Math.round(l.p90)} / ${Math.round(l.p99)} / ${Math.round(l.max)} (${l.count}) |`,
    );
  }
  console.log(
    '\n| N | load 1m mean | Node CPU % | runners CPU % | Node RSS MB (first/last third; anon/file; V8 heap used/total; Buffers) | runners RSS MB | local cloud CPU % | test camera CPU % | cold start first/all cameras ms (load) | fragments recorded live / missing in KVS / duplicated | warn+error log lines |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${f1(r.load.mean)} | ${f1(r.nodeCpu)} | ${f1(r.runnerCpu)} | ${Math.round(r.nodeRss)} (${Math.round(r.nodeRssFirst)}/${Math.round(r.nodeRssLast)}; ${Math.round(r.nodeMemory.anonymous)}/${Math.round(r.nodeMemory.file)}; ${Math.round(r.nodeMemory.heapUsed)}/${Math.round(r.nodeMemory.heapTotal)}; ${Math.round(r.nodeMemory.arrayBuffers)}) | ` +
        `${Math.round(r.runnerRss)} | ${f1(r.cloudCpu)} | ${f1(r.cameraCpu)} | ${r.coldStartMs} / ${r.coldStartAllMs} (${f1(r.coldStartLoad)}) | ` +
        `${r.recorded} / ${r.missing} / ${r.duplicated} | ${r.warnings} |`,
    );
  }
  if (rows.length >= 2) {
    // Least squares over N: cost = fixed + per camera * N.
    const fit = (ys: number[]) => {
      const xs = rows.map((r) => r.n);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const slope =
        xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
      return { fixed: my - slope * mx, per: slope };
    };
    const line = (what: string, ys: number[], unit: string) => {
      const { fixed, per } = fit(ys);
      console.log(`${what}: ${f2(fixed)} ${unit} fixed + ${f2(per)} ${unit} per camera`);
    };
    console.log('\nleast squares over N:');
    line(
      'Node CPU',
      rows.map((r) => r.nodeCpu),
      '%',
    );
    line(
      'runner CPU',
      rows.map((r) => r.runnerCpu),
      '%',
    );
    line(
      'bare gst CPU',
      rows.map((r) => r.bareCpu),
      '%',
    );
    line(
      'Node RSS',
      rows.map((r) => r.nodeRss),
      'MB',
    );
    line(
      'runner RSS',
      rows.map((r) => r.runnerRss),
      'MB',
    );
    line(
      'bare gst RSS',
      rows.map((r) => r.bareRss),
      'MB',
    );
  }
}

await main();
