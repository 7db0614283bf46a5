// The remembered CachedVideoAgeOutOnEdge chunks: what a camera reported survives a restart in a 0600
// file, the next start retracts the chunks whose video is gone and leaves the others alone, and a
// damaged file costs only the memory, with one clear warning.
import t from 'tap';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CameraStatus, EdgeChunkFiles, type StatusPoint } from '../../src/status/index.js';
import { createLogger } from '../../src/log/index.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 30);
const M = 60_000;
const IDS = { recordedRange: 'rec', uploadedRange: 'up', cachedRange: 'cache' };

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edge-chunks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'edge-chunks');
}

function cameraStatus(files: EdgeChunkFiles, points: StatusPoint[]): CameraStatus {
  return new CameraStatus({
    assetId: 'cam-1',
    status: IDS,
    sink: (p) => points.push(p),
    now: () => NOW,
    memory: files.for('cam-1'),
  });
}

t.test('a restart retracts only the chunks whose video was deleted while stopped', async (t) => {
  const dir = await tempDir(t);
  const before: StatusPoint[] = [];
  const firstRun = new EdgeChunkFiles(dir);
  // Two recordings, 12 min and 5 min ago: 11:48:30-11:50:30 and 11:55:00-11:56:00.
  const a = { startMs: NOW - 12 * M, endMs: NOW - 10 * M };
  const b = { startMs: NOW - 5 * M - 30_000, endMs: NOW - 4 * M - 30_000 };
  cameraStatus(firstRun, before).cached([a, b]);
  await firstRun.close();
  t.same(
    before.map((p) => [p.startMs, p.endMs]),
    [
      [a.startMs, NOW - 11 * M - 30_000],
      [NOW - 11 * M - 30_000, NOW - 10 * M - 30_000],
      [NOW - 10 * M - 30_000, a.endMs],
      [b.startMs, b.endMs],
    ],
    'chunks on minute boundaries',
  );
  const [file] = await readdir(dir);
  t.equal((await stat(path.join(dir, file!))).mode & 0o777, 0o600, 'the file is readable by the owner only');

  // Stopped; the first 70 s of recording a were deleted meanwhile.
  const after: StatusPoint[] = [];
  const secondRun = new EdgeChunkFiles(dir);
  cameraStatus(secondRun, after).cached([{ startMs: a.startMs + 70_000, endMs: a.endMs }, b]);
  await secondRun.close();
  t.same(
    after.map((p) => [p.startMs, p.endMs]),
    [
      [a.startMs, a.startMs],
      [NOW - 11 * M - 30_000, NOW - 11 * M - 30_000],
      [a.startMs + 70_000, NOW - 10 * M - 30_000],
    ],
    'the deleted chunks retracted (value = start), the cut one rewritten from its new start, the rest not resent',
  );
});

t.test('a damaged file: the camera starts without memory and the warning says which file', async (t) => {
  const dir = await tempDir(t);
  const lines: { msg: string; file?: string }[] = [];
  const log = createLogger({
    level: 'warn',
    destination: { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) },
  });
  const files = new EdgeChunkFiles(dir, log);
  const points: StatusPoint[] = [];
  cameraStatus(files, points).cached([{ startMs: NOW - 2 * M, endMs: NOW - M }]);
  await files.close();
  const [name] = await readdir(dir);
  await writeFile(path.join(dir, name!), '[[1,2],[3');

  const again = new EdgeChunkFiles(dir, log);
  t.same(again.for('cam-1').remembered, []);
  t.equal(lines.length, 1);
  t.match(lines[0], { file: path.join(dir, name!), msg: /remembered CachedVideoAgeOutOnEdge chunks/ });
});

t.test('a camera rebuilt in the same process (hot reload) starts from what it saved last', async (t) => {
  const files = new EdgeChunkFiles(await tempDir(t));
  const first: StatusPoint[] = [];
  cameraStatus(files, first).cached([{ startMs: NOW - 3 * M, endMs: NOW - M }]);
  // Rebuilt at once, before the file write has happened; the oldest minute is gone meanwhile.
  const second: StatusPoint[] = [];
  cameraStatus(files, second).cached([{ startMs: NOW - 2 * M - 30_000, endMs: NOW - M }]);
  await files.close();
  t.same(
    second.map((p) => [p.startMs, p.endMs]),
    [[NOW - 3 * M, NOW - 3 * M]],
    'the deleted minute retracted, nothing else resent',
  );
});
