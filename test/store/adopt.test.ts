// Switching from aws.iot.EdgeConnectorForKVS on the same device: its recordings in its own work
// folder are found at start, read in place (uploads and VOD see them), and left exactly as they were.
import t from 'tap';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore, referenceRecordingFolders, REFERENCE_COMPONENT } from '../../src/store/index.js';
import { writeClip } from '../helpers/media.js';

const T0 = 1_700_000_000_000;
const CAM = 'b3e2f1c0-aws-camera';

/** A 3 s H.264 Matroska file with zero-based timecodes, like the AWS component's splitmuxsink files. */
async function referenceFile(file: string): Promise<void> {
  await writeClip(file, { seconds: 3, streamable: false });
}

async function snapshot(dir: string) {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (n) => {
      const s = await stat(path.join(dir, n));
      return { n, size: s.size, mtimeMs: s.mtimeMs };
    }),
  );
}

t.test('the reference component recordings are adopted in place and stay untouched', async (t) => {
  const greengrassRoot = await mkdtemp(path.join(os.tmpdir(), 'adopt-'));
  t.teardown(() => rm(greengrassRoot, { recursive: true, force: true }));
  const ours = path.join(greengrassRoot, 'work', 'io.kvsedge.EdgeConnectorForKVS');
  const theirs = path.join(greengrassRoot, 'work', REFERENCE_COMPONENT, CAM);
  await mkdir(ours, { recursive: true });
  await mkdir(theirs, { recursive: true });
  const first = path.join(theirs, `video_${T0}.mkv`);
  await referenceFile(first);
  await copyFile(first, path.join(theirs, `video_${T0 + 3000}_uploaded.mkv`));
  await copyFile(first, path.join(theirs, `video_${T0 + 6000}.mkv`));
  const before = await snapshot(theirs);

  const folders = referenceRecordingFolders({ greengrass: true, cwd: ours, root: ours });
  t.same(folders, [path.join(greengrassRoot, 'work', REFERENCE_COMPONENT)], 'found next to our work folder');
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const store = await openStore(ours, { log, adoptFrom: folders });

  t.same(
    store.segments(CAM).map((s) => [path.basename(s.path), path.dirname(s.path)]),
    [
      [`video_${T0}.mkv`, theirs],
      [`video_${T0 + 3000}_uploaded.mkv`, theirs],
      [`video_${T0 + 6000}.mkv`, theirs],
    ],
    'every old file is indexed where it is',
  );
  t.same(
    store.notUploaded(CAM).map((r) => [r.startMs - T0, Math.round((r.endMs - T0) / 1000)]),
    [
      [0, 3],
      [6000, 9],
    ],
    'the file the reference renamed _uploaded counts as uploaded, the others do not',
  );
  const fragments = [];
  for await (const f of store.read(CAM, T0, T0 + 9000)) fragments.push(f);
  t.ok(fragments.length >= 6, `${fragments.length} fragments read back from the old files`);
  t.equal(fragments[0]!.startMs, T0, 'timestamps come from the file names, as the reference wrote them');
  const found = lines.find((l) => String(l.msg).startsWith('adopted the recordings'));
  t.match(found, { cameras: 1, files: 3, uploaded: 1 }, 'the log says what was found');
  await store.close();
  t.same(await snapshot(theirs), before, 'nothing in the old folder was renamed, rewritten or added');
});

t.test('nothing to adopt outside Greengrass or when recording into the old folder itself', async (t) => {
  t.same(referenceRecordingFolders({ greengrass: false, cwd: '/srv/kvs', root: '/srv/kvs/recordings' }), []);
  const reference = `/greengrass/v2/work/${REFERENCE_COMPONENT}`;
  t.same(
    referenceRecordingFolders({
      greengrass: true,
      cwd: '/greengrass/v2/work/io.kvsedge.EdgeConnectorForKVS',
      root: reference,
    }),
    [],
    'RecordingsPath already points at the old folder: its files are our own',
  );
});
