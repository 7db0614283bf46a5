// SIGINT in the middle of a historical upload, then a restart: the ledger makes the second run
// upload exactly what the first did not, so KVS ends with every fragment once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { makeFragments, recordedStore, startCloud, storedStarts } from './fixtures/cloud.js';
import { tsChild } from '@kvs-edge/localcloud/testkit';
import { eventually } from '../helpers/poll.js';

const CHILD = fileURLToPath(new URL('./fixtures/upload-child.ts', import.meta.url));
const CAM = 'cam-restart';

function runChild(config: object, onLine: (line: string) => void) {
  const node = tsChild({ KVS_CHILD_CONFIG: JSON.stringify(config) });
  const child = spawn(process.execPath, [...node.execArgv, CHILD], {
    env: node.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

t.test('SIGINT during upload, restart: nothing lost, nothing sent twice', async (t) => {
  const cloud = await startCloud(t);
  const frags = await makeFragments(Date.now() - 20 * 60_000, 40);
  const starts = frags.map((f) => f.startMs);
  const store = await recordedStore(t, CAM, frags);
  await store.close(); // the child owns the folder from now on
  // Slow ACKs and one fragment in flight at a time leave time to interrupt.
  cloud.kvs.faults.delayAcks(25);
  const config = {
    storeDir: store.root,
    cameraId: CAM,
    stream: 'restart-1',
    endpoint: cloud.kvs.endpoint,
    startMs: starts[0],
    endMs: starts.at(-1)! + 1,
  };

  const first: number[] = [];
  const run1 = runChild(config, (l) => l.startsWith('persisted ') && first.push(Number(l.slice(10))));
  t.teardown(() => run1.child.kill('SIGKILL'));
  // Generous: the child loads its TypeScript through tap's loader (tsChild), which is slow on a busy machine.
  await eventually('first run persisted some fragments', () => first.length >= 5, 120_000);
  run1.child.kill('SIGINT');
  t.equal(await run1.exited, 0, 'first run stopped cleanly on SIGINT');
  t.ok(first.length < starts.length, `interrupted mid-way (${first.length} of ${starts.length})`);

  const second: number[] = [];
  let done = false;
  const run2 = runChild(config, (l) => {
    if (l.startsWith('persisted ')) second.push(Number(l.slice(10)));
    if (l === 'done') done = true;
  });
  t.teardown(() => run2.child.kill('SIGKILL'));
  t.equal(await run2.exited, 0);
  t.ok(done, 'second run completed the range');
  t.same(
    second.filter((s) => first.includes(s)),
    [],
    'nothing persisted in the first run was sent again',
  );
  t.same(
    [...first, ...second],
    starts,
    'together they cover every fragment, oldest first, the second run going on where the first stopped',
  );
  t.same(storedStarts(cloud.kvs, 'restart-1'), starts, 'KVS holds every fragment exactly once');
});
