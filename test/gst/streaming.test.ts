// CameraSource against the test camera: every codec and GOP shape we promise, with and without
// audio, recorded as header + fragments and checked by ffprobe/ffmpeg, not by our own parser. All
// cases run at once so the file costs the time of its slowest case.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GstProcesses } from '../../src/gst/index.js';
import { decodeAll, ffprobe, packetTimes } from '../helpers/media.js';
import { startTestCamera, type TestCameraOptions } from '../helpers/test-camera.js';
import { alive, startSource, writeRecording, type Harness } from './fixtures/harness.js';

const PASSWORD = 'Sekr3t:p@ss/word';
const LATENCY_MS = 200;
// The component's owner of pipeline children, shared by every case as main.ts shares it.
const processes = new GstProcesses();

interface Case {
  name: string;
  path: '/cam' | '/cam265';
  camera: TestCameraOptions;
  audioEnabled: boolean;
  launcher?: 'gst-launch';
  /** Fragments to collect after the first (which may be a merged partial GOP). */
  fragments: number;
  codec: string;
  audioCodec?: string;
  /** Expected fragment duration (ms) of complete GOPs. */
  fragmentMs: number;
}

const cases: Case[] = [
  {
    name: 'H.264, 1 s GOP, AAC',
    path: '/cam',
    camera: { gopSeconds: 1, audio: 'aac' },
    audioEnabled: true,
    fragments: 3,
    codec: 'h264',
    audioCodec: 'aac',
    fragmentMs: 1000,
  },
  {
    name: 'H.265, 0.5 s GOP (merged to 1 s), no audio',
    path: '/cam265',
    camera: { gopSeconds: 0.5 },
    audioEnabled: true,
    fragments: 3,
    codec: 'hevc',
    fragmentMs: 1000,
  },
  {
    name: 'H.264, 4 s GOP, PCMA',
    path: '/cam',
    camera: { gopSeconds: 4, audio: 'pcma' },
    audioEnabled: true,
    fragments: 2,
    codec: 'h264',
    audioCodec: 'pcm_alaw',
    fragmentMs: 4000,
  },
  {
    name: 'H.265, 1 s GOP, PCMU',
    path: '/cam265',
    camera: { gopSeconds: 1, audio: 'pcmu' },
    audioEnabled: true,
    fragments: 3,
    codec: 'hevc',
    audioCodec: 'pcm_mulaw',
    fragmentMs: 1000,
  },
  {
    name: 'H.264 with AAC offered but audio disabled',
    path: '/cam',
    camera: { gopSeconds: 1, audio: 'aac' },
    audioEnabled: false,
    fragments: 3,
    codec: 'h264',
    fragmentMs: 1000,
  },
  {
    name: 'H.264 through gst-launch (URL without password)',
    path: '/cam',
    camera: { gopSeconds: 1 },
    audioEnabled: true,
    launcher: 'gst-launch',
    fragments: 3,
    codec: 'h264',
    fragmentMs: 1000,
  },
];

interface Outcome {
  h: Harness;
  pid: number;
  cmdline: string;
  startedAt: number;
}

async function run(tt: typeof t, c: Case): Promise<Outcome> {
  const withPassword = c.launcher !== 'gst-launch';
  const camera = await startTestCamera(tt, {
    width: 320,
    height: 240,
    fps: 15,
    ...c.camera,
    ...(withPassword ? { user: 'viewer', password: PASSWORD } : {}),
  });
  const startedAt = Date.now();
  const h = startSource(tt, {
    cameraId: c.name,
    url: camera.url(c.path),
    audio: c.audioEnabled,
    latencyMs: LATENCY_MS,
    processes,
    ...(c.launcher ? { launcher: c.launcher } : {}),
    // A 4 s GOP must not be warned about or cut; the defaults are what production uses.
    timing: { watchdogMs: 8000 },
  });
  const streaming = await h.until((x) => x.state === 'streaming' && x.pid !== undefined, 20000, 'streaming');
  const cmdline = readFileSync(`/proc/${streaming.pid}/cmdline`, 'utf8');
  await h.fragmentsUntil((f) => f.length >= c.fragments + 1, 30000, `${c.fragments + 1} fragments`);
  await h.source.stop();
  return { h, pid: streaming.pid!, cmdline, startedAt };
}

// Start everything now; each subtest awaits its own outcome.
const outcomes = cases.map((c) => {
  const p = run(t, c);
  p.catch(() => undefined); // reported by the subtest that awaits it
  return p;
});
const dir = await mkdtemp(path.join(os.tmpdir(), 'gst-streaming-'));

cases.forEach((c, i) => {
  t.test(c.name, async (t) => {
    const { h, pid, cmdline, startedAt } = await outcomes[i]!;
    t.equal(h.source.health().state, 'stopped', 'stop() ends in state stopped');
    t.notOk(alive(pid), 'the pipeline child is gone after stop()');
    t.notOk(processes.pids().includes(pid), 'and no longer owned by the component');
    t.notMatch(cmdline, PASSWORD, 'the password is not on the child command line');
    t.notMatch(cmdline, encodeURIComponent(PASSWORD), 'not even URL-encoded');
    t.notOk(
      h.logs.some((l) => l.includes(PASSWORD) || l.includes(encodeURIComponent(PASSWORD))),
      'nor in any log line',
    );

    const file = path.join(dir, `case-${i}.mkv`);
    const frags = await writeRecording(file, h.fragments);
    await decodeAll(file); // throws on any decode error
    const probe = await ffprobe(file);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    t.equal(video?.codec_name, c.codec);
    t.equal(video?.width, 320);
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    t.equal(
      audio?.codec_name,
      c.audioCodec,
      c.audioCodec ? 'audio track recorded as sent' : 'no audio track',
    );

    // Absolute timestamps: the file's first packet is the first fragment's epoch-ms start.
    const packets = await packetTimes(file);
    t.ok(Math.abs(packets[0]!.pts * 1000 - frags[0]!.startMs) <= 1, 'file time is epoch time');
    t.ok(packets[0]!.key, 'the recording starts on a keyframe');

    // No fragment overlaps the one before. Once the stream runs the recording has no hole either; the
    // first fragment is the partial GOP the stream started in, and on a loaded machine frames of it can
    // go missing before they reach the fragmenter (at load 22 with two CPU burners, fragment 0 of the
    // H.265 case ended 805 ms before fragment 1's keyframe, every later fragment followed exactly).
    for (let k = 1; k < frags.length; k++) {
      if (k === 1) t.ok(frags[1]!.startMs >= frags[0]!.endMs, 'fragment 1 does not overlap fragment 0');
      else
        t.equal(
          frags[k]!.startMs,
          frags[k - 1]!.endMs,
          `fragment ${k} follows ${k - 1} without gap or overlap`,
        );
    }
    // Complete fragments (not the first, which starts wherever the camera was, nor the last, cut by
    // EOS) are whole GOPs, read from the recording rather than from the camera's nominal GOP, which a
    // busy machine stretches: each starts on a keyframe, lasts at least the fragmenter's 1 s minimum, and holds a further keyframe only where cutting there
    // would have made it shorter than that (short GOPs merge; c.fragmentMs is the nominal length).
    const keyMs = packets.filter((p) => p.key).map((p) => Math.round(p.pts * 1000));
    const isKey = (ms: number) => keyMs.some((k) => Math.abs(k - ms) <= 1);
    const middle = frags.slice(1, -1);
    t.ok(middle.length >= 1, 'at least one complete fragment');
    for (const f of middle) {
      const inner = keyMs.filter((k) => k > f.startMs + 1 && k < f.endMs - 1);
      t.ok(isKey(f.startMs), `fragment ${f.startMs}-${f.endMs} starts on a keyframe`);
      t.ok(f.endMs - f.startMs >= 1000 - 1, `fragment lasts ${f.endMs - f.startMs} ms, at least 1 s`);
      t.ok(
        inner.every((k) => k - f.startMs < 1000),
        `no cut skipped: inner keyframes at +${inner.map((k) => k - f.startMs).join(', +') || 'none'} ms`,
      );
      if (c.fragmentMs > 1000) t.same(inner, [], 'a GOP longer than 1 s is one fragment');
    }
    // Wall clock: the timestamps are epoch times of capture, so no fragment starts before we started
    // the source. How close to the arrival a fragment ends depends on the load (the runner reads the
    // pipeline clock and the wall clock one after the other, and gst-launch's base is when Node reads
    // its PLAYING line), so a timed test sets no bound on it.
    for (const r of h.fragments) {
      t.ok(r.fragment.startMs >= startedAt - 1, 'fragment starts after the source was started');
    }
    const gens = new Set(h.fragments.map((r) => r.fragment.header.generation));
    t.equal(gens.size, 1, 'one run, one header generation');
  });
});
