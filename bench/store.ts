// Recording store benchmark: index rebuild over 10,000 small segment files, and write throughput of
// the SegmentWriter against plain fs.appendFile of the same bytes. Run: npm run bench:store.
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Fragment } from '../src/mkv/index.js';
import { encodeClip, fragmentsOf } from '../test/helpers/media.js';
import { openStore } from '../src/store/index.js';

const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;

async function captureFragments(
  seconds: number,
  kbps: number,
  base: number,
  size = '640x360',
): Promise<Fragment[]> {
  const [width, height] = size.split('x').map(Number);
  const bytes = await encodeClip({ seconds, width, height, fps: 30, pattern: 'snow', bitrateKbps: kbps });
  return fragmentsOf(bytes, base);
}

async function rebuild(frags: Fragment[]): Promise<void> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-store-'));
  const files = 10_000;
  const cams = 10;
  const two = frags.slice(0, 2);
  const body = Buffer.concat([two[0]!.header.bytes, ...two.map((f) => f.bytes)]);
  // Same bytes in every file (only names differ): the scan reads headers and cluster heads only.
  for (let c = 0; c < cams; c++) {
    const dir = path.join(root, `cam-${c}`);
    await fsp.mkdir(dir);
    for (let i = 0; i < files / cams; i++)
      await fsp.writeFile(path.join(dir, `video_${T0 + i * 2000}.mkv`), body);
  }
  execFileSync('sync');
  const t0 = performance.now();
  const store = await openStore(root, { log });
  const ms = performance.now() - t0;
  const n = store.cameras().reduce((a, c) => a + store.segments(c).length, 0);
  await store.close();
  console.log(
    `rebuild: ${n} files (${body.length} B each, 2 fragments) in ${ms.toFixed(0)} ms = ${((ms * 1000) / n).toFixed(0)} us/file`,
  );
  await fsp.rm(root, { recursive: true, force: true });
}

async function throughput(frags: Fragment[]): Promise<void> {
  const rounds = 5;
  const total = frags.reduce((a, f) => a + f.bytes.length, 0) * rounds;
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-write-'));
  const store = await openStore(root, { log, maxQueueBytes: 1 << 30 });
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const w = store.writer(`cam-${r}`);
    for (const f of frags) w.append(f);
    await w.close();
  }
  const ms = performance.now() - t0;
  await store.close();
  const plain = path.join(root, 'plain.bin');
  const t1 = performance.now();
  for (let r = 0; r < rounds; r++) for (const f of frags) await fsp.appendFile(plain, f.bytes);
  const msPlain = performance.now() - t1;
  const mbs = (x: number) => (total / 1e6 / (x / 1000)).toFixed(0);
  console.log(
    `write: ${(total / 1e6).toFixed(1)} MB in ${frags.length * rounds} fragments: store ${mbs(ms)} MB/s, ` +
      `fs.appendFile ${mbs(msPlain)} MB/s, ratio store/plain = ${(msPlain / ms).toFixed(2)}`,
  );
  await fsp.rm(root, { recursive: true, force: true });
}

const frags = await captureFragments(30, 4000, T0);
console.log(`fixture: ${frags.length} fragments, 640x360 snow at 4 Mbit/s`);
await rebuild(await captureFragments(4, 64, T0, '160x120'));
await throughput(frags);
