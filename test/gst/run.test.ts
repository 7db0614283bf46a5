// One pipeline run (runOnce) with real gst-launch children that end in each way a camera run can end:
// a clean EOS, an ERROR message, a bad pipeline, no media at all, bytes that are not Matroska, media
// before the base time is known, and a stop on purpose. The fragmenter is the real one from mkv/.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyGstError, failureFor } from '../../src/gst/failures.js';
import { GstProcesses, type ChildListener } from '../../src/gst/launcher.js';
import { runOnce, type RunDeps } from '../../src/gst/run.js';
import { createLogger } from '../../src/log/index.js';
import { Fragmenter, type Fragment } from '../../src/mkv/index.js';

// Owner of every child these runs start; each test checks nothing is left in it.
const processes = new GstProcesses();
const ctx = { urlRef: 'cam1' };
const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-run-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const H264_MKV =
  'videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 ! ' +
  'x264enc key-int-max=15 speed-preset=ultrafast ! h264parse ! matroskamux streamable=true ! fdsink fd=3';

interface Runner {
  deps: RunDeps;
  fragments: Fragment[];
  bases: number[];
  lines: string[];
  bytes: { count: number };
}

function runner(description: string, over: Partial<RunDeps> & { dropPlaying?: boolean } = {}): Runner {
  const fragments: Fragment[] = [];
  const bases: number[] = [];
  const lines: string[] = [];
  const bytes = { count: 0 };
  let generation = 0;
  const log = createLogger({ level: 'silent' });
  const deps: RunDeps = {
    start: (listener: ChildListener) =>
      processes.launch(
        description,
        { launcher: 'gst-launch', gstLaunchPath: 'gst-launch-1.0', pythonPath: '/usr/bin/python3' },
        {
          line: (text, stream) => {
            lines.push(text);
            listener.line(text, stream);
          },
          playing: (base, method) => {
            if (!over.dropPlaying) listener.playing(base, method);
          },
        },
      ),
    fragmenter: (epochBaseMs) => {
      bases.push(epochBaseMs);
      return new Fragmenter({
        epochBaseMs: Math.round(epochBaseMs),
        nextGeneration: () => ++generation,
        log,
        onFragment: (f) => fragments.push(f),
      });
    },
    onBytes: (n) => (bytes.count += n),
    onStreaming: () => undefined,
    scrub: (text) => text.replaceAll('hunter2', '***'),
    classify: (text) => classifyGstError(text, ctx),
    timeout: (what) => failureFor('timeout', ctx, what),
    log,
    signal: new AbortController().signal,
    watchdogMs: 10_000,
    stopGraceMs: 2000,
    ...over,
  };
  return { deps, fragments, bases, lines, bytes };
}

t.test('a clean EOS delivers every fragment and counts as the camera closing the stream', async (t) => {
  const before = Date.now();
  const r = runner(H264_MKV);
  const result = await runOnce(r.deps);
  t.equal(result.failure?.code, 'unreachable', 'a camera that ends its stream is restarted');
  t.match(result.failure?.message, /end of stream/);
  t.ok(result.streamedMs > 0, 'time streamed is measured');
  t.equal(r.bases.length, 1, 'one fragmenter, from the PLAYING base time');
  t.ok(r.bases[0]! >= before - 1000 && r.bases[0]! <= Date.now());
  t.ok(r.fragments.length >= 1, 'fragments came out');
  const first = r.fragments[0]!;
  const last = r.fragments.at(-1)!;
  t.ok(
    Math.abs(last.endMs - first.startMs - 2000) <= 50,
    `all 2 s of the 60-frame clip, the tail flushed at EOS (got ${last.endMs - first.startMs} ms)`,
  );
  t.ok(first.startMs >= r.bases[0]! - 1 && first.startMs < r.bases[0]! + 2000, 'stamped from the base time');
  t.same(processes.pids(), [], 'the child is gone');
});

t.test('an ERROR message is classified with the tail as detail, secrets scrubbed', async (t) => {
  const r = runner(`filesrc location=${path.join(dir, 'hunter2-missing.mkv')} ! fdsink fd=3`);
  const result = await runOnce(r.deps);
  t.equal(result.failure?.code, 'not-found');
  t.match(result.failure?.detail, /ERROR: from element .*filesrc0: Resource not found/);
  t.notMatch(result.failure?.detail, /hunter2/, 'the scrubbed lines are what is kept');
  t.equal(result.streamedMs, 0, 'no byte, no streaming time');
  t.equal(r.bases.length, 0, 'no media, no fragmenter');
});

t.test('a pipeline that does not start says its exit code', async (t) => {
  const r = runner('nosuchelement ! fdsink fd=3');
  const result = await runOnce(r.deps);
  t.equal(result.failure?.code, 'other');
  t.match(result.failure?.detail, /pipeline exited with code 1/);
  t.match(result.failure?.detail, /nosuchelement/, 'with what gst-launch said');
});

t.test('no media for watchdogMs stops the child and reports a timeout', async (t) => {
  const r = runner('videotestsrc is-live=true ! fakesink', { watchdogMs: 300 });
  const result = await runOnce(r.deps);
  t.equal(result.failure?.code, 'timeout');
  t.match(result.failure?.message, /no video for 0\.3 s/);
  t.same(processes.pids(), [], 'the child was stopped');
});

t.test('bytes that are not Matroska stop the run as unreadable', async (t) => {
  const zeros = path.join(dir, 'zeros.bin');
  await writeFile(zeros, Buffer.alloc(64 * 1024));
  const r = runner(`filesrc location=${zeros} ! fdsink fd=3`);
  const result = await runOnce(r.deps);
  t.equal(result.failure?.code, 'other');
  t.match(result.failure?.message, /unreadable Matroska from matroskamux/);
  t.equal(r.fragments.length, 0);
});

t.test('media before the base time is known is kept and stamped with the arrival clock', async (t) => {
  // Without a PLAYING notice every byte waits; beyond the 16 MiB bound the arrival clock is used, and
  // a run that ends first stamps what it held the same way. Either way no byte is lost.
  const big = randomBytes(17 * 1024 * 1024);
  const file = path.join(dir, 'big.bin');
  await writeFile(file, big);
  const pushed = createHash('sha256');
  let pushedBytes = 0;
  let started = 0;
  const r = runner(`filesrc location=${file} ! fdsink fd=3`, { dropPlaying: true });
  const before = Date.now();
  const result = await runOnce({
    ...r.deps,
    fragmenter: (base) => {
      started++;
      t.ok(base >= before && base <= Date.now(), 'arrival clock');
      return {
        push: (chunk) => {
          pushed.update(chunk);
          pushedBytes += chunk.length;
        },
        end: () => undefined,
      };
    },
  });
  t.equal(started, 1);
  t.equal(pushedBytes, big.length, 'every byte reached the fragmenter');
  t.equal(pushed.digest('hex'), createHash('sha256').update(big).digest('hex'), 'in order');
  t.equal(r.bytes.count, big.length);
  t.equal(result.failure?.code, 'unreachable', 'EOS of the file');

  const small = runner(H264_MKV, { dropPlaying: true });
  const held = await runOnce(small.deps);
  t.equal(held.failure?.code, 'unreachable');
  t.equal(small.bases.length, 1, 'the held bytes were fragmented at the end');
  const span = small.fragments.at(-1)!.endMs - small.fragments[0]!.startMs;
  t.ok(Math.abs(span - 2000) <= 50, `no frame lost (${span} ms)`);
});

t.test('a stop on purpose ends the run without a failure', async (t) => {
  const ac = new AbortController();
  const live =
    'videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! ' +
    'x264enc key-int-max=15 speed-preset=ultrafast tune=zerolatency ! h264parse ! matroskamux streamable=true ! fdsink fd=3';
  let streaming!: () => void;
  const isStreaming = new Promise<void>((resolve) => (streaming = resolve));
  const r = runner(live, { signal: ac.signal, onStreaming: () => streaming() });
  const running = runOnce(r.deps);
  await isStreaming;
  ac.abort();
  const result = await running;
  t.equal(result.failure, undefined, 'no failure: nobody restarts a stopped camera');
  t.ok(result.streamedMs > 0);
  t.same(processes.pids(), []);

  const already = runner(live, { signal: AbortSignal.abort() });
  t.equal((await runOnce(already.deps)).failure, undefined, 'aborted before the start');
});
