// The built component on a simulated Greengrass core device, run the way the nucleus runs it (see
// greengrass.ts for each rule and its source): the NodeRuntime and connector artifacts from the real
// gg:build, unpacked and permissioned as the nucleus does, Install as root with its timeout, Run as
// the component user with the nucleus's environment in the work folder, a configuration merge from a
// second deployment, then the nucleus's stop (Shutdown step, then SIGTERM/SIGKILL).
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeAll, packetTimes, writeClip } from '@kvs-edge/localcloud/testkit';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, eventually, sendRequest } from '../connector/fixtures.js';
import { buildComponents } from './build.js';
import { greengrassArchitecture } from './greengrass.js';
import { CONNECTOR, RUNTIME, simulatedDevice } from './device.js';

// Building, installing and running whole components on a shared 2-core machine: more than tap's 180 s
// default may be needed under load.
t.setTimeout(360_000);

t.test(
  'a deployment installs, adopts the old component recordings, records, uploads, applies a merge and stops cleanly',
  async (t) => {
    const build = await buildComponents(t);
    const d = await deploy(t, 'core-device-1');
    const camera = await startTestCamera(t, { gopSeconds: 1 });
    const cam = await addCamera(d, {
      name: 'Loading bay',
      streamName: 'loading-bay',
      rtspUrl: camera.url('/cam'),
      captureStartTime: '* * * * *',
    });
    const { device, nucleus, root } = await simulatedDevice(t, d.cloud, 'core-device-1');
    // The device ran aws.iot.EdgeConnectorForKVS before: a recording of this camera in its work folder,
    // owned by the component user in a 0700 folder, as the nucleus left it.
    const oldStart = Date.now() - 3_600_000;
    const oldDir = path.join(root, 'work', 'aws.iot.EdgeConnectorForKVS', cam.assetId);
    await mkdir(oldDir, { recursive: true });
    // Zero-based timecodes in a seekable file, as its splitmuxsink wrote them.
    await writeClip(path.join(oldDir, `video_${oldStart}.mkv`), {
      seconds: 4,
      width: 320,
      height: 240,
      streamable: false,
    });
    if (process.getuid?.() === 0)
      await promisify(execFile)('chown', ['-R', '65534:65534', path.dirname(oldDir)]);
    await chmod(path.dirname(oldDir), 0o700);

    // The deployment: the hub comes from the thing name; only the segment length is set.
    const [runtime, connector] = await device.deploy([build.runtime, build.connector], {
      [CONNECTOR]: { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 5 },
    });
    t.equal(runtime!.ComponentName, RUNTIME, 'the runtime component installs first');
    const log = await readFile(path.join(root, 'logs', `${CONNECTOR}.log`), 'utf8');
    t.match(log, /setup: GStreamer 1\.\d+/, 'Install checked the GStreamer packages');

    const run = device.start(CONNECTOR);
    // Run execs node from the runtime component: the process is that node, not the machine's.
    const node = path.join(
      device.decompressedPath(RUNTIME, runtime!.ComponentVersion),
      `node-${greengrassArchitecture()}`,
      'bin',
      'node',
    );
    const exe = await eventually('the Run shell to exec node', async () => {
      const target = await readlink(`/proc/${run.child.pid}/exe`).catch(() => undefined);
      return target && !/\/(da|ba)?sh$/.test(target) ? target : undefined;
    });
    t.equal(exe, node, 'the connector runs on the NodeRuntime component node, not the machine one');
    await eventually(
      'RUNNING reported over IPC',
      () => (nucleus.reportedStates.includes('RUNNING') ? true : undefined),
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.stderr()}\n${JSON.stringify(run.lines.slice(-5))}`);
    });
    // RUNNING can reach the nucleus before the start-up summary is logged.
    const started = await eventually(
      'the start-up summary',
      () => run.lines.find((l) => l.msg === 'connector started'),
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.stderr()}\n${JSON.stringify(run.lines.slice(-12))}`);
    });
    t.same(started?.running, [cam.assetId], 'the camera of this thing runs');
    t.equal(started?.recordings, device.workPath(CONNECTOR), 'recordings go to the component work folder');

    const cameraDir = path.join(device.workPath(CONNECTOR), cam.assetId);
    await eventually(
      'two finished recordings in the work folder',
      async () => {
        const files = (await readdir(cameraDir).catch(() => [])).filter((f) => /^video_\d+\.mkv$/.test(f));
        return files.length >= 2 ? files : undefined;
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${JSON.stringify(run.lines.filter((l) => Number(l.level) >= 40).slice(-8))}`,
      );
    });

    const adopted = run.lines.find((l) => String(l.msg).startsWith('adopted the recordings'));
    t.match(adopted, { cameras: 1, files: 1, uploaded: 0 }, 'the old recording was found and logged');
    // The video player asks for the hour-old range: it comes from the old component's file.
    await sendRequest(d, cam.assetId, cam.propertyIds.VideoUploadRequest!, `${oldStart}-${oldStart + 4000}`);
    await eventually(
      'the old recording in KVS',
      () =>
        d.cloud.kvs.listFragments('loading-bay', { startMs: oldStart - 1, endMs: oldStart + 4000 }).length >=
        3
          ? true
          : undefined,
      60_000,
    );
    t.ok(existsSync(path.join(oldDir, `video_${oldStart}.mkv`)), 'and stays where it was, under its name');

    await sendRequest(d, cam.assetId, cam.propertyIds.VideoUploadRequest!, 'live');
    await eventually(
      'live fragments in KVS',
      () => (d.cloud.kvs.listFragments('loading-bay').length >= 2 ? true : undefined),
      60_000,
    );

    // A second deployment merges a new value; the component hears it over IPC without a restart.
    nucleus.configuration.merge(CONNECTOR, [], { ConfigRefreshSeconds: 30 });
    const warned = await eventually('the merge to be noticed', () =>
      run.lines.find((l) => l.msg === 'these configuration keys take effect when the component restarts'),
    );
    t.same(warned.keys, ['ConfigRefreshSeconds'], 'the merged key is named for the next restart');

    const stopped = await run.stop();
    t.equal(stopped.shutdownExitCode, 0, 'the Shutdown step stopped the connector');
    t.notOk(stopped.killed, 'nothing had to be killed');
    t.equal(stopped.exitCode, 0, 'the connector exited with 0');
    t.ok(
      run.lines.some((l) => l.msg === 'stopped'),
      'and logged that it stopped',
    );
    const files = (await readdir(cameraDir)).filter((f) => /^video_\d+(_uploaded)?\.mkv$/.test(f)).sort();
    const last = path.join(cameraDir, files.at(-1)!);
    // Closed by the stop (EOS through the muxer): every frame decodes.
    await decodeAll(last);
    t.ok((await packetTimes(last)).length > 0, `the last recording ${files.at(-1)} holds video and decodes`);
    t.ok((await stat(run.logFile)).size > 0, `the component log is ${path.relative(root, run.logFile)}`);
    t.equal(connector!.ComponentName, CONNECTOR, 'the deployment held the connector');
  },
);
