// The fault suite's world: the local cloud (its fault-control API over HTTP, as an outside driver
// uses it), real RTSP test cameras, a hub with two always-live cameras, and the component as its own
// process (node + tsx, configuration through the nucleus stand-in), killed and restarted at will.
// It reads three timelines per camera: what is recorded on disk (scanned from the files), what KVS
// holds (the control API's fragment list, producer timestamps), and what SiteWise reports
// (VideoUploadedTimeRange, as the TwinMaker player reads it).
import { GetAssetPropertyValueHistoryCommand } from '@aws-sdk/client-iotsitewise';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFaultControl, startLocalCloud, type FaultControl, type LocalCloud } from '@kvs-edge/localcloud';
import { startTestCamera, type TestCamera } from '@kvs-edge/localcloud';
import { scanFile } from '../../src/mkv/index.js';
import { createSiteWiseClient } from '../../src/sitewise/index.js';
import { provisionCamera, provisionHub, type ProvisionedCamera } from '../../src/provision/index.js';
import { cloudClients, spawnComponent, type SpawnedComponent } from '../connector/fixtures.js';

/** Something that runs cleanups at the end (a tap test, or the runner's own list). */
export interface Owner {
  teardown(fn: () => unknown): void;
}

export interface RigCamera {
  name: string;
  asset: ProvisionedCamera;
  streamName: string;
  camera: TestCamera;
  port: number;
}

export interface Rig {
  cloud: LocalCloud;
  sitewise: ReturnType<typeof createSiteWiseClient>;
  control: FaultControl;
  cameras: RigCamera[];
  dir: string;
  recordings: string;
  /** The running component, if any. */
  proc: SpawnedComponent | undefined;
  /** Parsed log lines of every component run, oldest first. */
  lines: Record<string, unknown>[];
  fault(route: string, body?: Record<string, unknown>): Promise<unknown>;
  startComponent(): Promise<void>;
  /** Sends `signal`; resolves with the exit (code, signal) and how long it took. */
  stopComponent(
    signal: 'SIGTERM' | 'SIGKILL',
  ): Promise<{ code: number | null; signal: string | null; ms: number }>;
  restartCamera(i: number): Promise<void>;
  recorded(i: number): Promise<number[]>;
  held(i: number): Promise<number[]>;
  reported(i: number): Promise<{ startMs: number; endMs: number }[]>;
}

export interface RigOptions {
  /** RecordingsPath on a small tmpfs of this many MiB (disk-full scenarios); a temp folder otherwise. */
  tmpfsMiB?: number;
  cameras?: number;
}

/** Polls `check` every 250 ms until it returns a value, or throws after `ms`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startRig(owner: Owner, options: RigOptions = {}): Promise<Rig> {
  const cloud = await startLocalCloud({ thingName: 'fault-gateway', secretManager: true });
  owner.teardown(() => cloud.stop());
  const control = await startFaultControl(cloud);
  owner.teardown(() => control.stop());
  const { sitewise, secrets } = cloudClients(cloud);
  const hub = await provisionHub(sitewise, { name: 'Fault hub', externalId: 'fault-gateway' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-faults-'));
  let recordings = path.join(dir, 'recordings');
  if (options.tmpfsMiB !== undefined) {
    recordings = path.join(dir, 'small-disk');
    execFileSync('mkdir', ['-p', recordings]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${options.tmpfsMiB}m`, 'tmpfs', recordings]);
    owner.teardown(() => execFileSync('umount', ['-l', recordings]));
  }
  const cameras: RigCamera[] = [];
  for (let i = 0; i < (options.cameras ?? 2); i++) {
    const camera = await startTestCamera({ gopSeconds: 1, bitrateKbps: 300, width: 320, height: 240 });
    const name = `cam${i + 1}`;
    const asset = await provisionCamera({ sitewise, secrets }, hub, {
      name,
      streamName: `fault-${name}`,
      rtspUrl: camera.url('/cam'),
      liveStreamingStartTime: '* * * * *',
    });
    cameras.push({ name, asset, streamName: `fault-${name}`, camera, port: camera.port });
  }
  owner.teardown(async () => {
    for (const c of cameras) await c.camera.stop();
  });
  cloud.nucleus.configuration.merge(cloud.nucleus.componentName, [], {
    RecordingsPath: recordings,
    SegmentDurationSeconds: 10,
    ConfigRefreshSeconds: 10,
    StreamRetentionInHours: 24,
  });
  const lines: Record<string, unknown>[] = [];
  // A free port for the status endpoint: the default one may be taken by another run on the machine,
  // and its warning would count as the component's first reaction to a fault.
  const env = { ...cloud.env, KVS_EDGE_WORK_DIR: path.join(dir, 'work'), KVS_EDGE_STATUS_PORT: '0' };
  const rig: Rig = {
    cloud,
    sitewise,
    control,
    cameras,
    dir,
    recordings,
    proc: undefined,
    lines,
    async fault(route, body) {
      const res = await fetch(`${control.endpoint}${route}`, {
        method: route.startsWith('/kvs/fragments') || route === '/state' ? 'GET' : 'POST',
        ...(body && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const json: unknown = await res.json();
      if (!res.ok) throw new Error(`fault control ${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async startComponent() {
      const proc = spawnComponent(owner, env);
      rig.proc = proc;
      // Lines of this run join the common list as they arrive.
      const seen = { n: 0 };
      const pump = setInterval(() => {
        while (seen.n < proc.lines.length) lines.push(proc.lines[seen.n++]!);
      }, 50);
      void proc.exited.then(() => {
        clearInterval(pump);
        while (seen.n < proc.lines.length) lines.push(proc.lines[seen.n++]!);
      });
      await until(
        'the component to start',
        () => {
          if (proc.child.exitCode !== null)
            throw new Error(`component exited: ${proc.stderr().slice(-2000)}`);
          return proc.lines.some((l) => l.msg === 'connector started') ? true : undefined;
        },
        60_000,
      );
    },
    async stopComponent(signal) {
      const proc = rig.proc;
      if (!proc) throw new Error('no component running');
      const t0 = Date.now();
      proc.child.kill(signal);
      const r = await proc.exited;
      rig.proc = undefined;
      return { ...r, ms: Date.now() - t0 };
    },
    async restartCamera(i) {
      const c = cameras[i]!;
      c.camera = await startTestCamera({
        gopSeconds: 1,
        bitrateKbps: 300,
        width: 320,
        height: 240,
        port: c.port,
      });
    },
    async recorded(i) {
      const folder = path.join(recordings, cameras[i]!.asset.assetId);
      const names = (await readdir(folder).catch(() => [] as string[])).filter((n) =>
        /^video_\d+\.mkv$/.test(n),
      );
      const starts: number[] = [];
      for (const n of names) {
        try {
          const scan = await scanFile(path.join(folder, n));
          for (const f of scan.fragments) starts.push(f.startMs);
        } catch {
          // A file being created right now: the next look sees it.
        }
      }
      return starts.sort((a, b) => a - b);
    },
    async held(i) {
      const out = (await rig.fault(`/kvs/fragments?stream=${cameras[i]!.streamName}`)) as {
        fragments: { producerTimestampMs: number }[];
      };
      return out.fragments.map((f) => f.producerTimestampMs).sort((a, b) => a - b);
    },
    async reported(i) {
      const c = cameras[i]!;
      const points: { startMs: number; endMs: number }[] = [];
      let nextToken: string | undefined;
      do {
        const out = await sitewise.send(
          new GetAssetPropertyValueHistoryCommand({
            assetId: c.asset.assetId,
            propertyId: c.asset.propertyIds.VideoUploadedTimeRange!,
            startDate: new Date(Date.now() - 24 * 3600 * 1000),
            endDate: new Date(Date.now() + 3600 * 1000),
            maxResults: 250,
            ...(nextToken && { nextToken }),
          }),
        );
        for (const v of out.assetPropertyValueHistory ?? []) {
          points.push({
            startMs:
              (v.timestamp?.timeInSeconds ?? 0) * 1000 + Math.floor((v.timestamp?.offsetInNanos ?? 0) / 1e6),
            endMs: (v.value?.doubleValue ?? 0) * 1000,
          });
        }
        nextToken = out.nextToken;
      } while (nextToken);
      return points;
    },
  };
  return rig;
}
