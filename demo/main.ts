// `kvs-edge demo` (npm run demo): the whole product offline. It starts the local cloud and two test
// cameras (H.264 and H.265), provisions the hub, camera assets, secrets and streams with
// `kvs-edge provision` from a file, runs the connector under the local Greengrass nucleus, and
// drives a short scenario: continuous recording, a `live` request, and a historical request for the
// first minute. Then it prints what reached the local KVS and what SiteWise holds for the video player.
// `--keep` leaves everything running and prints how to send requests by hand.
import {
  DescribeAssetCommand,
  GetAssetPropertyValueHistoryCommand,
  type IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud, startTestCamera, type LocalCloud, type TestCamera } from '@kvs-edge/localcloud';
import { runComponent, type RunningComponent } from '../src/main.js';
import { stringify as stringifyYaml } from 'yaml';
import { createSiteWiseClient } from '../src/sitewise/index.js';
import type { CliIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { resolveCamera, sendUploadRequest } from '../src/cli/request.js';

interface DemoOptions {
  keep: boolean;
  /** How much is recorded before the historical request (the request asks for the first minute). */
  recordSeconds: number;
  liveSeconds: number;
}

function parseArgs(args: string[]): DemoOptions {
  const num = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number of seconds`);
    return v;
  };
  return {
    keep: args.includes('--keep'),
    recordSeconds: num('--record-seconds', 65),
    liveSeconds: num('--live-seconds', 15),
  };
}

const say = (text: string) => console.log(`demo: ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(args: string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseArgs(args);
  } catch (err) {
    console.error(`kvs-edge demo: ${(err as Error).message}`);
    return 2;
  }
  // The SDK's notice about Node 22 (for its releases after January 2027) would only clutter the demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-demo-'));
  const logFile = path.join(dir, 'connector.log');
  const logStream = createWriteStream(logFile);
  const stoppers: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    logStream.end();
  };
  try {
    say('starting the local cloud (SiteWise, Secrets Manager, KVS, MQTT, Greengrass nucleus) on loopback');
    const cloud = await startLocalCloud({ thingName: 'demo-gateway', stateDir: path.join(dir, 'cloud') });
    stoppers.push(() => cloud.stop());
    // The AWS SDK's credential chain and endpoint variables come from the environment, as on a device
    // (the local token exchange service and the local endpoints).
    Object.assign(process.env, cloud.env);
    say('starting two test cameras: H.264 on /cam and H.265 on /cam265 (1 s GOP, 640x360)');
    const camera = await startTestCamera({
      user: 'admin',
      password: 'demo-secret',
      width: 640,
      height: 360,
      fps: 15,
    });
    stoppers.push(() => camera.stop());

    const sitewise = createSiteWiseClient({
      region: cloud.region,
      endpoint: cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE!,
    });
    say(
      'provisioning the hub, cameras, secrets, streams and TwinMaker entities (workspace "Cameras"): kvs-edge provision demo-site.yml',
    );
    const cameras = await provisionCameras(dir, sitewise, camera);
    say(`local console (watch the cameras in a browser): ${cloud.console.url}`);

    const recordings = path.join(dir, 'recordings');
    cloud.nucleus.configuration.merge(cloud.nucleus.componentName, [], {
      // Found by the thing name: the file gives the hub asset that external id.
      SiteWiseAssetIdForHub: '',
      RecordingsPath: recordings,
      SegmentDurationSeconds: 20,
      ConfigRefreshSeconds: 30,
      LogLevel: 'info',
    });
    const component = await startConnector(logStream, stoppers);
    const statusUrl = component.statusUrl;
    say(`connector running under the local nucleus; its log is ${logFile}`);
    say(
      `cameras: ${component.connector.summary().running.length} running, recording continuously to ${recordings}`,
    );

    const started = Date.now();
    while (Date.now() - started < options.recordSeconds * 1000) {
      await sleep(5000);
      say(
        `recording ${Math.round((Date.now() - started) / 1000)} s: ${await recordingSummary(recordings, cameras)}`,
      );
    }

    const front = cameras[0]!;
    say(`sending "live" for ${front.name} (as the TwinMaker video player does)`);
    const liveAsked = Date.now();
    await sendUploadRequest(sitewise, front.assetId, 'live');
    for (let waited = 0; waited < options.liveSeconds; waited += 5) {
      await sleep(5000);
      const live = cloud.kvs
        .listFragments(front.streamName)
        .filter((f) => f.producerTimestampMs >= liveAsked - 2000);
      say(`live: ${live.length} fragments of ${front.streamName} in KVS so far`);
    }

    const back = cameras[1]!;
    const firstMs = await firstRecordingStart(recordings, back.assetId);
    const range = `${firstMs}-${firstMs + 60_000}`;
    say(`requesting the first minute of ${back.name} from the edge: VideoUploadRequest "${range}"`);
    await sendUploadRequest(sitewise, back.assetId, range);
    const deadline = Date.now() + 90_000;
    let uploaded = 0;
    while (Date.now() < deadline) {
      await sleep(2000);
      uploaded = cloud.kvs.listFragments(back.streamName, {
        startMs: firstMs,
        endMs: firstMs + 60_000,
      }).length;
      say(`historical: ${uploaded} fragments of ${back.streamName} persisted`);
      if (component.connector.camera(back.assetId)?.controller.health().queuedUploads === 0 && uploaded > 0)
        break;
    }
    await sleep(3000); // let the status outbox send its last batch before we read SiteWise
    await report(cloud, sitewise, cameras);
    if (statusUrl) {
      say(`kvs-edge status (the component's local status endpoint, ${statusUrl})`);
      await runCli(['status', '--url', statusUrl], cliIo());
    }

    if (options.keep) {
      printKeep(cloud, cameras, logFile);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
    say('stopping');
    await stopAll();
    say('done');
    return 0;
  } catch (err) {
    console.error(
      `demo failed: ${err instanceof Error ? err.stack : String(err)}\n(connector log: ${logFile})`,
    );
    await stopAll();
    return 1;
  }
}

interface DemoCamera {
  assetId: string;
  assetModelId: string;
  propertyIds: Record<string, string>;
  name: string;
  streamName: string;
}

// Commands print through console.log, so whoever runs the demo (a person, or the demo test) sees them.
function cliIo(): CliIo {
  return {
    out: { write: (text: string) => console.log(text.replace(/\n$/, '')) },
    err: { write: (text: string) => console.error(text.replace(/\n$/, '')) },
    env: process.env,
  };
}

const CAMERAS = [
  { name: 'Front door (H.264)', streamName: 'demo-front-door', path: '/cam' },
  { name: 'Loading dock (H.265)', streamName: 'demo-loading-dock', path: '/cam265' },
];

/** Writes the demo's provisioning file (kvs-edge's own format) and runs `kvs-edge provision` on it. */
async function provisionCameras(
  dir: string,
  sitewise: IoTSiteWiseClient,
  camera: TestCamera,
): Promise<DemoCamera[]> {
  const file = path.join(dir, 'demo-site.yml');
  await writeFile(
    file,
    stringifyYaml({
      Hub: { Name: 'Demo gateway', HubName: 'Demo gateway', ThingName: 'demo-gateway' },
      Cameras: CAMERAS.map((c) => ({
        Name: c.name,
        KinesisVideoStreamName: c.streamName,
        RTSPStream: camera.url(c.path),
        CaptureStartTime: '* * * * *',
        LiveStreamingStartTime: '-',
        LocalDataRetentionPeriodInMinutes: 60,
      })),
      // The player finds each camera through an entity with the edge video component.
      TwinMaker: {
        WorkspaceId: 'Cameras',
        Role: 'arn:aws:iam::123456789012:role/TwinMakerWorkspaceRole',
        S3Location: 'arn:aws:s3:::twinmaker-cameras',
      },
    }),
  );
  const code = await runCli(['provision', file], cliIo());
  if (code !== 0) throw new Error(`kvs-edge provision ${file} exited with ${code}`);
  const out: DemoCamera[] = [];
  for (const spec of CAMERAS) {
    const assetId = await resolveCamera(sitewise, spec.name);
    const asset = await sitewise.send(new DescribeAssetCommand({ assetId }));
    const propertyIds = Object.fromEntries(
      (asset.assetProperties ?? []).flatMap((p) => (p.name && p.id ? [[p.name, p.id]] : [])),
    );
    out.push({
      assetId,
      assetModelId: asset.assetModelId ?? '',
      propertyIds,
      name: spec.name,
      streamName: spec.streamName,
    });
  }
  return out;
}

async function startConnector(
  logStream: NodeJS.WritableStream,
  stoppers: (() => Promise<unknown>)[],
): Promise<RunningComponent> {
  const abort = new AbortController();
  let started!: (c: RunningComponent) => void;
  const ready = new Promise<RunningComponent>((resolve) => (started = resolve));
  const exit = runComponent({
    // A free port for the status endpoint, so the demo runs beside an installed component.
    env: { ...process.env, KVS_EDGE_STATUS_PORT: '0' },
    stopSignal: abort.signal,
    logDestination: { write: (line: string) => logStream.write(line) },
    onStarted: started,
  });
  stoppers.push(async () => {
    abort.abort();
    await exit;
  });
  return Promise.race([
    ready,
    exit.then((code) => {
      throw new Error(`the connector exited with code ${code}`);
    }),
  ]);
}

async function recordingSummary(root: string, cameras: DemoCamera[]): Promise<string> {
  const parts: string[] = [];
  for (const c of cameras) {
    const files = (await readdir(path.join(root, c.assetId)).catch(() => [] as string[])).filter((f) =>
      f.endsWith('.mkv'),
    );
    let bytes = 0;
    for (const f of files)
      bytes += (await stat(path.join(root, c.assetId, f)).catch(() => ({ size: 0 }))).size;
    parts.push(`${c.streamName} ${files.length} files ${(bytes / 1e6).toFixed(1)} MB`);
  }
  return parts.join(', ');
}

async function firstRecordingStart(root: string, assetId: string): Promise<number> {
  const files = (await readdir(path.join(root, assetId))).filter((f) => /^video_\d+\.mkv$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no recording of camera ${assetId} yet`);
  return Number(/video_(\d+)/.exec(files[0]!)![1]);
}

interface Range {
  startMs: number;
  endMs: number;
}

/** Contiguous ranges of stored fragments (a gap is more than 1.5 s between one's end and the next). */
function contiguous(fragments: { producerTimestampMs: number; durationMs: number }[]): Range[] {
  const ranges: Range[] = [];
  for (const f of [...fragments].sort((a, b) => a.producerTimestampMs - b.producerTimestampMs)) {
    const last = ranges.at(-1);
    const end = f.producerTimestampMs + f.durationMs;
    if (last && f.producerTimestampMs - last.endMs <= 1500) last.endMs = Math.max(last.endMs, end);
    else ranges.push({ startMs: f.producerTimestampMs, endMs: end });
  }
  return ranges;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const span = (r: Range) =>
  `${iso(r.startMs)} - ${iso(r.endMs)} (${((r.endMs - r.startMs) / 1000).toFixed(1)} s)`;

async function report(cloud: LocalCloud, sitewise: IoTSiteWiseClient, cameras: DemoCamera[]): Promise<void> {
  console.log('\n=== what reached the local Kinesis Video Streams ===');
  for (const c of cameras) {
    const fragments = cloud.kvs.listFragments(c.streamName);
    const ranges = contiguous(fragments);
    console.log(`${c.streamName}: ${fragments.length} fragments in ${ranges.length} range(s)`);
    for (const r of ranges) console.log(`  ${span(r)}`);
    for (let i = 1; i < ranges.length; i++) {
      console.log(
        `  gap: ${iso(ranges[i - 1]!.endMs)} - ${iso(ranges[i]!.startMs)} (not requested, still on the edge)`,
      );
    }
  }
  console.log('\n=== SiteWise status values (what the TwinMaker video player reads) ===');
  for (const c of cameras) {
    console.log(`${c.name} (${c.assetId})`);
    for (const name of ['VideoRecordedTimeRange', 'VideoUploadedTimeRange', 'CachedVideoAgeOutOnEdge']) {
      const propertyId = c.propertyIds[name];
      if (!propertyId) continue;
      const out = await sitewise.send(
        new GetAssetPropertyValueHistoryCommand({
          assetId: c.assetId,
          propertyId,
          startDate: new Date(Date.now() - 3600_000),
          endDate: new Date(Date.now() + 600_000),
        }),
      );
      const points = (out.assetPropertyValueHistory ?? []).map((v) => ({
        startMs:
          (v.timestamp?.timeInSeconds ?? 0) * 1000 + Math.round((v.timestamp?.offsetInNanos ?? 0) / 1e6),
        endMs: (v.value?.doubleValue ?? 0) * 1000,
      }));
      const text = points.length === 0 ? 'no values yet' : points.map(span).join('; ');
      console.log(`  ${name}: ${text}`);
    }
  }
  console.log('');
}

function printKeep(cloud: LocalCloud, cameras: DemoCamera[], logFile: string): void {
  console.log('Everything keeps running (Ctrl-C to stop). In another shell:');
  console.log(
    `  export AWS_REGION=${cloud.region} AWS_ENDPOINT_URL_IOTSITEWISE=${cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE}`,
  );
  console.log('  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local');
  for (const c of cameras) {
    console.log(`  node dist/cli/main.js request --camera ${c.assetId} live          # ${c.name}`);
  }
  console.log(`  node dist/cli/main.js request --camera ${cameras[0]!.assetId} <startMs>-<endMs>`);
  console.log(`Local console (live and recorded video in a browser): ${cloud.console.url}`);
  console.log(`Connector log: ${logFile}`);
}
