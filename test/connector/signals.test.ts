// The component as Greengrass runs it: its own process (node + the TypeScript sources through tsx),
// configuration from the nucleus, stopped with SIGTERM. It must exit within 10 s with code 0, leave
// the last recording a complete file and no GStreamer process behind.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startTestCamera } from '../helpers/test-camera.js';
import { decodeAll, ffprobe, packetTimes } from '../helpers/media.js';
import { addCamera, deploy, spawnComponent } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

/** Every process below `pid`, from /proc (the children of each of its threads). */
function descendants(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of text.split(/\s+/).filter(Boolean).map(Number)) out.push(child, ...descendants(child));
  }
  return out;
}

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

t.test('SIGTERM: exit 0 within 10 s, last file complete, no pipeline left', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Garage',
    streamName: 'garage',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
  });
  const recordings = path.join(d.dir, 'recordings');
  d.cloud.nucleus.configuration.merge(d.cloud.nucleus.componentName, [], {
    RecordingsPath: recordings,
    SegmentDurationSeconds: 2,
  });
  const { child, lines, stderr: childStderr, exited } = spawnComponent(t, d.cloud.env);

  const dir = path.join(recordings, cam.assetId);
  const files = async () =>
    (await readdir(dir).catch(() => [] as string[])).filter((f) => /^video_\d+\.mkv$/.test(f)).sort();
  await eventually(
    'the child process to record',
    async () => {
      if (child.exitCode !== null) throw new Error(`component exited early: ${childStderr()}`);
      return (await files()).length >= 2 ? true : undefined;
    },
    45_000,
  );
  t.ok(
    lines.some((l) => l.msg === 'connector started'),
    'the component started under Greengrass',
  );
  const pipelines = descendants(child.pid!);
  t.ok(pipelines.length > 0, 'the camera pipeline runs as a child process');

  child.kill('SIGTERM');
  const result = await Promise.race([
    exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000).unref()),
  ]);
  t.ok(result, 'exited within 10 s');
  t.same(result, { code: 0, signal: null }, 'with exit code 0');
  t.ok(
    lines.some((l) => l.msg === 'stopped'),
    'the log says it stopped',
  );
  t.same(
    pipelines.filter((pid) => alive(pid)),
    [],
    'no pipeline process is left behind',
  );
  const last = (await files()).at(-1)!;
  const probe = await ffprobe(path.join(dir, last));
  t.equal(probe.streams[0]?.codec_name, 'h264', 'the last recording is a complete, playable file');
  const packets = await packetTimes(path.join(dir, last));
  t.ok(packets.length > 0 && packets[0]!.key, 'with video in it, starting at a key frame');
  await decodeAll(path.join(dir, last));
});
