// Benchmark: Fragmenter throughput over a 1080p30 4 Mbit/s matroskamux (streamable=true) recording,
// as MB/s and as a ratio to a plain Buffer copy of the same bytes in the same chunks; plus the file
// reader and scanFile over the fragmenter's own output. Run: npm run bench:mkv. Results go to
// docs/performance.md ("Fragmenter").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Fragmenter,
  readFragmentsFromFile,
  scanFile,
  serializeFragments,
  type Fragment,
} from '../src/mkv/index.js';

const SECONDS = 60;
// Node reads a socket/pipe in chunks of at most 64 KiB; gst-launch's fd 3 arrives like that.
const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function recording(): string {
  const dir = path.join(os.tmpdir(), 'kvs-edge-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `mux1080-${SECONDS}s-streamable.mkv`);
  if (existsSync(file)) return file;
  const src = path.join(dir, `x264-1080-${SECONDS}s.mkv`);
  console.log(`encoding a ${SECONDS} s 1080p30 4 Mbit/s clip (once) ...`);
  // testsrc2 + temporal noise keeps x264 at its bitrate; 2 s GOP, no B-frames, like an IP camera.
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-vf', 'noise=alls=12:allf=t', '-t', String(SECONDS)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '4M'],
    ...['-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-bf', '0', '-c:a', 'aac', '-b:a', '64k', src],
  ]);
  // Re-mux (no re-encode) through matroskamux streamable=true: the exact byte shape the camera source gets.
  execFileSync('gst-launch-1.0', [
    ...['-q', 'filesrc', `location=${src}`, '!', 'matroskademux', 'name=d'],
    ...['d.video_0', '!', 'queue', '!', 'h264parse', '!', 'm.'],
    ...['d.audio_0', '!', 'queue', '!', 'aacparse', '!', 'm.'],
    ...['matroskamux', 'name=m', 'streamable=true', '!', 'filesink', `location=${file}`],
  ]);
  return file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function fragmenterBench(): Promise<void> {
  const file = recording();
  const data = readFileSync(file);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  const mb = data.length / 1e6;

  let fragments: Fragment[] = [];
  const fragment = (): void => {
    const out: Fragment[] = [];
    let g = 0;
    const f = new Fragmenter({
      epochBaseMs: Date.now(),
      nextGeneration: () => ++g,
      onFragment: (x) => out.push(x),
    });
    for (const c of chunks) f.push(c);
    f.end();
    fragments = out;
  };
  let sink = 0;
  const copy = (): void => {
    for (const c of chunks) {
      const b = Buffer.allocUnsafe(c.length);
      c.copy(b);
      sink += b[0]!;
    }
  };
  // Warm-up, then alternate so both see the same machine state.
  fragment();
  copy();
  const tf: number[] = [];
  const tc: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    tc.push(time(copy));
    tf.push(time(fragment));
  }
  const own = path.join(path.dirname(file), 'own-output.mkv');
  writeFileSync(own, serializeFragments(fragments[0]!.header, fragments));
  const tr: number[] = [];
  const ts: number[] = [];
  for (let i = 0; i < 3; i++) {
    tr.push(
      await timeAsync(async () => {
        for await (const f of readFragmentsFromFile(own)) sink += f.bytes.length;
      }),
    );
    ts.push(await timeAsync(async () => void (await scanFile(own))));
  }
  const fMs = median(tf);
  const cMs = median(tc);
  const durations = fragments.map((f) => f.endMs - f.startMs);
  console.log(`input: ${file} (${mb.toFixed(1)} MB, ${SECONDS} s, ${chunks.length} chunks of ${CHUNK} B)`);
  console.log(
    `output: ${fragments.length} fragments, ${Math.min(...durations)}-${Math.max(...durations)} ms`,
  );
  console.log('| what | median of ' + ROUNDS + ' | MB/s | ratio to Buffer copy |');
  console.log('|---|---|---|---|');
  console.log(`| Buffer copy, same chunks | ${cMs.toFixed(1)} ms | ${(mb / (cMs / 1000)).toFixed(0)} | 1 |`);
  console.log(
    `| Fragmenter push+end | ${fMs.toFixed(1)} ms | ${(mb / (fMs / 1000)).toFixed(0)} | ${(fMs / cMs).toFixed(2)}× |`,
  );
  console.log(
    `| readFragmentsFromFile (own file, 1 MiB reads) | ${median(tr).toFixed(1)} ms | ${(mb / (median(tr) / 1000)).toFixed(0)} | |`,
  );
  console.log(
    `| scanFile (own file) | ${median(ts).toFixed(1)} ms | ${(mb / (median(ts) / 1000)).toFixed(0)} | |`,
  );
  console.log(`real-time factor: ${((SECONDS * 1000) / fMs).toFixed(0)}× one 1080p30 camera per core`);
  if (sink === -1) console.log(sink);
}

await fragmenterBench();
