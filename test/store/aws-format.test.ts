// The AWS component's recordings: splitmuxsink + matroskamux(offset-to-zero) files named
// video_<epochMs>.mkv, read as ordinary fragments so a device that switches over keeps its cache.
import t from 'tap';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Fragment } from '../../src/mkv/index.js';
import { openStore } from '../../src/store/index.js';
import { ffprobe, decodeAll, videoSourceArgs } from '../helpers/media.js';

/**
 * 9 s of 1 s GOPs cut into ~3 s files the way the AWS component writes them. gst 1.22's splitmuxsink
 * sometimes never finishes at EOS (about half the runs here), after every file but the last is closed;
 * then it gets SIGINT and, after a grace period, SIGKILL, which leaves the last file unfinished, as a
 * crashed AWS component would.
 */
async function splitmux(dir: string): Promise<void> {
  const child = spawn(
    'gst-launch-1.0',
    [
      '-q',
      '-e',
      ...videoSourceArgs({ seconds: 9 }),
      '!',
      'splitmuxsink',
      'async-finalize=true',
      'muxer-factory=matroskamux',
      'muxer-properties=properties,offset-to-zero=true',
      'max-size-time=3000000000',
      `location=${dir}/video_%05d.mkv`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const within = (ms: number) =>
    Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
    ]);
  if (await within(5000)) return;
  child.kill('SIGINT');
  if (await within(2000)) return;
  child.kill('SIGKILL');
  await exited;
}
const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const CAM = 'aws-cam';

t.test('splitmuxsink files with zero-based timecodes become fragments at their epoch time', async (t) => {
  const root = t.testdir({ [CAM]: {} });
  const dir = path.join(root, CAM);
  await splitmux(dir);
  const produced: string[] = [];
  for (const name of (await fsp.readdir(dir)).sort()) {
    if ((await fsp.stat(path.join(dir, name))).size > 0) produced.push(name);
    else await fsp.rm(path.join(dir, name));
  }
  t.ok(produced.length >= 3, `${produced.length} files`);
  // Name each file as the AWS component does: wall clock when the file was opened.
  const starts: number[] = [];
  let at = T0;
  for (const name of produced) {
    const probe = await ffprobe(path.join(dir, name));
    t.ok(Number(probe.format.start_time) < 0.1, `${name} starts near zero`);
    starts.push(at);
    await fsp.rename(path.join(dir, name), path.join(dir, `video_${at}.mkv`));
    // The last file may be unfinished (see splitmux below): it has no duration, and needs none.
    at += Math.round(Number(probe.format.duration ?? 3) * 1000);
  }
  // The component marked the first one uploaded.
  await fsp.rename(path.join(dir, `video_${T0}.mkv`), path.join(dir, `video_${T0}_uploaded.mkv`));

  const store = await openStore(root, { log });
  const segs = store.segments(CAM);
  t.same(
    segs.map((s) => s.startMs),
    starts,
  );
  t.ok(segs[0]!.uploadedByName);
  t.ok(store.ledger.isPersisted(CAM, segs[0]!.startMs, segs[0]!.endMs), '_uploaded counts as uploaded');
  t.same(store.notUploaded(CAM)[0]?.startMs, segs[1]!.startMs);
  t.equal(store.recorded(CAM).length, 1, 'back-to-back files are one recorded range');
  for (const s of segs) t.ok(s.endMs - s.startMs > 1500, 'each file covers its seconds');

  const frags: Fragment[] = [];
  for await (const f of store.read(CAM, starts[1]! + 100, Number.MAX_SAFE_INTEGER)) frags.push(f);
  t.equal(frags[0]?.startMs, starts[1], 'the read starts with the file that holds the range start');
  for (let i = 1; i < frags.length; i++) t.ok(frags[i]!.startMs >= frags[i - 1]!.startMs, 'times increase');
  t.ok(
    frags.every((f) => f.startMs >= T0 && f.startMs < at + 1000),
    'absolute epoch times',
  );

  // Written back through our own writer, they make files any player opens at the right epoch time.
  const w = store.writer('copy');
  for (const f of frags) w.append(f);
  await w.close();
  const copy = store.segments('copy')[0]!;
  t.equal(copy.startMs, starts[1]);
  t.equal(Number((await ffprobe(copy.path)).format.start_time), starts[1]! / 1000);
  await decodeAll(copy.path);
  await store.close();
});
