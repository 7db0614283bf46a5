// Benchmark: CPU and RSS of one CameraSource (python-gi launcher + Node fragmenting fd 3) at 1080p30
// 4 Mbit/s, next to a bare gst-launch-1.0 of the same pipeline writing to /dev/null. Both pull the same
// shared /clip stream from the test camera at the same time, so they see identical input.
// Run: npm run bench:mkv (after the fragmenter benchmark). Results go to docs/performance.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CameraSource, pipelineDescription } from '../src/gst/index.js';
import { startTestCamera } from '@kvs-edge/localcloud';

const WARMUP_MS = 4000;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20000);
const CLIP_SECONDS = 30;
const TICK = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on Linux

function clip(): string {
  const dir = path.join(os.tmpdir(), 'kvs-edge-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `clip1080-${CLIP_SECONDS}s.mkv`);
  if (existsSync(file)) return file;
  console.log(`encoding a ${CLIP_SECONDS} s 1080p30 4 Mbit/s clip (once) ...`);
  // testsrc2 plus temporal noise keeps the encoder at its bitrate instead of coasting on still frames.
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1920x1080:rate=30',
    '-vf',
    'noise=alls=12:allf=t',
    '-t',
    String(CLIP_SECONDS),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-b:v',
    '4M',
    '-maxrate',
    '4M',
    '-bufsize',
    '4M',
    '-g',
    '60',
    '-keyint_min',
    '60',
    '-sc_threshold',
    '0',
    '-bf',
    '0',
    file,
  ]);
  return file;
}

/** utime+stime ticks and VmRSS kB of a process. */
function sample(pid: number): { ticks: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { ticks, rssKb };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const file = clip();
  const camera = await startTestCamera({ clip: file });
  let bytes = 0;
  let fragments = 0;
  let pid: number | undefined;
  const source = new CameraSource({
    cameraId: 'bench',
    url: camera.url('/clip'),
    onFragment: (f) => {
      fragments++;
      bytes += f.bytes.length;
    },
    onHealth: (h) => (pid = h.pid ?? pid),
  });
  const description = pipelineDescription(
    camera.url('/clip'),
    { video: { codec: 'h264', encodingName: 'H264' } },
    { latencyMs: 200 },
  );
  const devnull = openSync('/dev/null', 'w');
  const bare = spawn(
    'gst-launch-1.0',
    ['-e', ...description.split(' ').map((w) => w.replace(/^location="(.*)"$/, 'location=$1'))],
    {
      stdio: ['ignore', 'ignore', 'ignore', devnull],
    },
  );
  source.start();
  await wait(WARMUP_MS);
  if (pid === undefined) throw new Error('camera source did not start');
  const cpu0 = process.cpuUsage();
  const a0 = sample(pid);
  const b0 = sample(bare.pid!);
  const bytes0 = bytes;
  const frags0 = fragments;
  let nodeRss = 0;
  let aRss = 0;
  let bRss = 0;
  for (let t = 0; t < WINDOW_MS; t += 1000) {
    await wait(1000);
    nodeRss = Math.max(nodeRss, process.memoryUsage().rss / 1024);
    aRss = Math.max(aRss, sample(pid).rssKb);
    bRss = Math.max(bRss, sample(bare.pid!).rssKb);
  }
  const cpu1 = process.cpuUsage(cpu0);
  const a1 = sample(pid);
  const b1 = sample(bare.pid!);
  const secs = WINDOW_MS / 1000;
  const pct = (ticks: number) => (100 * ticks) / TICK / secs;
  const childCpu = pct(a1.ticks - a0.ticks);
  const bareCpu = pct(b1.ticks - b0.ticks);
  const nodeCpu = (100 * (cpu1.user + cpu1.system)) / 1e6 / secs;
  await source.stop();
  bare.kill('SIGINT');
  await new Promise((r) => bare.once('exit', r));
  await camera.stop();
  const mbit = ((bytes - bytes0) * 8) / 1e6 / secs;
  console.log(
    `\ncamera source, 1080p30 H.264 ~4 Mbit/s, ${secs} s window (${mbit.toFixed(2)} Mbit/s in fragments, ${fragments - frags0} fragments)`,
  );
  console.log('| process | CPU % of one core | max RSS MB |');
  console.log('|---|---|---|');
  console.log(`| bare gst-launch-1.0 (reference) | ${bareCpu.toFixed(2)} | ${(bRss / 1024).toFixed(1)} |`);
  console.log(`| python-gi launcher child | ${childCpu.toFixed(2)} | ${(aRss / 1024).toFixed(1)} |`);
  console.log(`| Node (fd 3 drain + Fragmenter) | ${nodeCpu.toFixed(2)} | ${(nodeRss / 1024).toFixed(1)} |`);
  console.log(
    `\nratios to bare gst-launch: child CPU ${(childCpu / bareCpu).toFixed(2)}x, child RSS ${(aRss / bRss).toFixed(2)}x, child+Node CPU ${((childCpu + nodeCpu) / bareCpu).toFixed(2)}x`,
  );
}

await main();
