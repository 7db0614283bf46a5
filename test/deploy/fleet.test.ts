// A fleet: one deployment (a thing group's: the same components and configuration for every member)
// on two core devices. Each device finds its hub through its own thing name (externalId:<thing>) and
// records only the cameras of that hub, into its own work folder.
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { provisionCamera, provisionHub } from '../../src/provision/index.js';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, eventually } from '../connector/fixtures.js';
import { buildComponents } from './build.js';
import { CONNECTOR, simulatedDevice } from './device.js';

// Building, installing and running whole components on a shared 2-core machine: more than tap's 180 s
// default may be needed under load.
t.setTimeout(360_000);

t.test('one thing-group deployment on two devices: each records only its own cameras', async (t) => {
  const build = await buildComponents(t);
  const d = await deploy(t, 'store-12-gateway');
  const hubB = await provisionHub(d.sitewise, { name: 'Store 14 hub', externalId: 'store-14-gateway' });
  const cameraA = await startTestCamera(t, { gopSeconds: 1 });
  const cameraB = await startTestCamera(t, { gopSeconds: 1 });
  const camA = await addCamera(d, {
    name: 'Store 12 till',
    streamName: 'store-12-till',
    rtspUrl: cameraA.url('/cam'),
    captureStartTime: '* * * * *',
  });
  const camB = await provisionCamera({ sitewise: d.sitewise, secrets: d.secrets }, hubB, {
    name: 'Store 14 door',
    streamName: 'store-14-door',
    rtspUrl: cameraB.url('/cam'),
    captureStartTime: '* * * * *',
  });

  // The deployment: no hub id in the configuration, so every member looks up its own.
  const groupConfiguration = { [CONNECTOR]: { SegmentDurationSeconds: 2 } };
  const devices = await Promise.all(
    ['store-12-gateway', 'store-14-gateway'].map((thing) => simulatedDevice(t, d.cloud, thing)),
  );
  const runs = [];
  for (const { device } of devices) {
    await device.deploy([build.runtime, build.connector], groupConfiguration);
    runs.push(device.start(CONNECTOR));
  }
  const started = await Promise.all(
    runs.map((run) =>
      eventually(
        'the connector to start',
        () => run.lines.find((l) => l.msg === 'connector started'),
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${run.stderr()}\n${JSON.stringify(run.lines.slice(-5))}`);
      }),
    ),
  );
  t.same(started[0]!.running, [camA.assetId], 'store 12 runs its till camera only');
  t.same(started[1]!.running, [camB.assetId], 'store 14 runs its door camera only');

  const mine = [camA.assetId, camB.assetId];
  for (const [i, { device }] of devices.entries()) {
    const work = device.workPath(CONNECTOR);
    const recordings = await eventually(
      'a recording in the work folder',
      async () => {
        const dir = `${work}/${mine[i]}`;
        const files = (await readdir(dir).catch(() => [])).filter((f) => /^video_\d+\.mkv$/.test(f));
        return files.length > 0 ? files : undefined;
      },
      60_000,
    );
    t.ok(recordings.length > 0, `device ${i + 1} records its camera into its own work folder`);
    const folders = (await readdir(work, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
    // (Hidden folders are the component's own state, e.g. .kvs-edge for the SiteWise outbox.)
    t.same(folders, [mine[i]], `device ${i + 1} has no folder of the other store's camera`);
  }
  for (const [i, run] of runs.entries()) {
    const stopped = await run.stop();
    t.match(stopped, { shutdownExitCode: 0, killed: false, exitCode: 0 }, `device ${i + 1} stopped cleanly`);
  }
});
