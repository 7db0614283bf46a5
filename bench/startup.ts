// Start-up cost of the component: loading the program (every module the component imports, the AWS
// SDK clients and aws-crt's native library included) until its first line can run. Compares the
// tsc output with node_modules (what a checkout runs, and what the old 37 MB artifact shipped) with
// the esbuild bundle from gg:build, unpacked as the nucleus unpacks it. Each sample is a fresh node
// process: wall time from spawn to exit, and the import time measured inside.
// Usage: npm run build && npm run bench:startup   (BENCH_RUNS=n, default 9)
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readZip, unzipLikeNucleus } from '../test/deploy/zip.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const arch = process.arch === 'x64' ? 'amd64' : 'aarch64';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-startup-'));
try {
  await run('node', ['scripts/gg-build.mjs', '--component', 'connector', '--arch', arch, '--out', tmp], {
    cwd: root,
  });
  const dir = path.join(tmp, 'io.kvsedge.EdgeConnectorForKVS', 'artifacts', 'io.kvsedge.EdgeConnectorForKVS');
  const version = (await readdir(dir))[0]!;
  const zip = path.join(dir, version, `kvs-edge-connector-${arch}.zip`);
  const unpacked = path.join(tmp, 'unpacked');
  await unzipLikeNucleus(zip, unpacked);
  // Importing main.js does not start the component (it only runs when it is the process's script).
  const loader = path.join(tmp, 'load.mjs');
  await writeFile(
    loader,
    'const t0 = performance.now();\nawait import(process.argv[2]);\nconsole.log(JSON.stringify({ importMs: performance.now() - t0 }));\n',
  );
  const variants = {
    'tsc dist + node_modules': path.join(root, 'dist', 'main.js'),
    'esbuild bundle (zip)': path.join(unpacked, 'main.js'),
  };
  const samples: Record<string, { wall: number[]; imp: number[] }> = {};
  for (const name of Object.keys(variants)) samples[name] = { wall: [], imp: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, entry] of Object.entries(variants)) {
      const t0 = performance.now();
      const { stdout } = await run(process.execPath, ['--no-warnings', loader, entry]);
      samples[name]!.wall.push(performance.now() - t0);
      samples[name]!.imp.push(
        (JSON.parse(stdout.trim().split('\n').at(-1)!) as { importMs: number }).importMs,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`node ${process.version}, ${runs} runs each, load average ${os.loadavg()[0]!.toFixed(1)}`);
  for (const [name, s] of Object.entries(samples)) {
    console.log(
      `${name}: import median ${median(s.imp).toFixed(0)} ms (min ${Math.min(...s.imp).toFixed(0)}), ` +
        `process median ${median(s.wall).toFixed(0)} ms (min ${Math.min(...s.wall).toFixed(0)})`,
    );
  }
  const entries = await readZip(zip);
  console.log(
    `zip ${path.basename(zip)}: ${((await stat(zip)).size / 1e6).toFixed(2)} MB, ${entries.length} entries, ` +
      `${(entries.reduce((n, e) => n + e.data.length, 0) / 1e6).toFixed(1)} MB unpacked`,
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
