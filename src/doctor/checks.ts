// The checks `kvs-edge doctor` runs, in the order a new device owner would fix things: the machine
// (Node, GStreamer and every element the pipelines use, python3-gi, the recordings folder), then AWS
// (credentials, clock, the hub), then each camera (secret, RTSP reachability and authentication, tracks
// and codecs, KVS stream, request notifications), then Greengrass IPC when running under it.
// A check never throws: it reports FAIL with what to do. No check prints a URL with its password.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import type { AwsCredentialIdentity } from '@smithy/types';
import { describeRtsp, parseRtspUrl, parseSdp, pipelineElements, planMedia } from '../gst/index.js';
import { redactUrl } from '../log/index.js';
import { discoverCameras, quartzScheduleCheck, type CameraConfig } from '../sitewise/index.js';

const run = promisify(execFile);

export type Level = 'OK' | 'WARN' | 'FAIL';

export interface CheckResult {
  level: Level;
  /** What was checked, e.g. "GStreamer element rtspsrc" or "camera <id>: secret". */
  check: string;
  /** What was found. */
  detail: string;
  /** What to do, for WARN and FAIL. */
  fix?: string;
}

export interface DoctorOptions {
  recordingsPath: string;
  /** Below this much free space the recordings folder is a FAIL (default 1024 MB). */
  minFreeMb: number;
  timeZone?: string;
  hubAssetId?: string;
  thingName?: string;
  sitewise: IoTSiteWiseClient;
  secrets: SecretsManagerClient;
  kvs: KinesisVideoClient;
  credentials: () => Promise<AwsCredentialIdentity>;
  /** How the credentials are found, in words (environment keys, profile, token exchange service). */
  credentialSource: string;
  /** A URL on the SiteWise endpoint; its Date header is the AWS clock. */
  clockUrl: string;
  env: NodeJS.ProcessEnv;
  rtspTimeoutMs?: number;
  python?: string;
  /** Checks Greengrass IPC when running under Greengrass. */
  greengrass?: () => Promise<CheckResult>;
}

const ok = (check: string, detail: string): CheckResult => ({ level: 'OK', check, detail });
const warn = (check: string, detail: string, fix: string): CheckResult => ({
  level: 'WARN',
  check,
  detail,
  fix,
});
const fail = (check: string, detail: string, fix: string): CheckResult => ({
  level: 'FAIL',
  check,
  detail,
  fix,
});
const message = (err: unknown) => redactUrl(err instanceof Error ? err.message : String(err));

export function checkNode(version = process.versions.node): CheckResult {
  const major = Number(version.split('.')[0]);
  if (major >= 22) return ok('Node.js', `v${version}`);
  if (major >= 20) {
    return warn(
      'Node.js',
      `v${version}`,
      'devices should run Node.js 22 or later (the AWS SDK drops Node 20 in 2027)',
    );
  }
  return fail('Node.js', `v${version}`, 'install Node.js 22 or later');
}

export async function checkGStreamer(): Promise<CheckResult[]> {
  let version: string;
  try {
    const out = await run('gst-inspect-1.0', ['--version'], { timeout: 10_000 });
    version = /GStreamer (\S+)/.exec(out.stdout)?.[1] ?? out.stdout.trim().split('\n')[1] ?? '?';
  } catch {
    return [
      fail(
        'GStreamer',
        'gst-inspect-1.0 not found',
        'install GStreamer: apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad',
      ),
    ];
  }
  const results = [ok('GStreamer', version)];
  const missing: string[] = [];
  await Promise.all(
    pipelineElements().map(async (element) => {
      try {
        await run('gst-inspect-1.0', ['--exists', element], { timeout: 10_000 });
      } catch {
        missing.push(element);
      }
    }),
  );
  if (missing.length === 0) results.push(ok('GStreamer elements', pipelineElements().join(', ')));
  else {
    results.push(
      fail(
        'GStreamer elements',
        `missing: ${missing.sort().join(', ')}`,
        'install gstreamer1.0-plugins-good (rtspsrc, depayloaders, matroskamux) and gstreamer1.0-plugins-bad (h265parse)',
      ),
    );
  }
  return results;
}

export async function checkPythonGi(python: string): Promise<CheckResult> {
  try {
    const out = await run(
      python,
      [
        '-c',
        "import gi; gi.require_version('Gst', '1.0'); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())",
      ],
      { timeout: 15_000 },
    );
    return ok('python3-gi', `${python}: ${out.stdout.trim()}`);
  } catch {
    return fail(
      'python3-gi',
      `${python} cannot import gi with Gst 1.0`,
      'apt-get install python3-gi gir1.2-gstreamer-1.0',
    );
  }
}

export async function checkRecordings(root: string, minFreeMb: number): Promise<CheckResult[]> {
  const what = `recordings folder ${root}`;
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const probe = path.join(root, `.doctor-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? message(err);
    return [
      fail(
        what,
        `not writable (${code})`,
        `make it writable by the user the component runs as, or set RecordingsPath to a folder that is`,
      ),
    ];
  }
  const fs = await statfs(root);
  const freeMb = Math.floor((fs.bavail * fs.bsize) / 1024 / 1024);
  const space = `${freeMb} MB free`;
  if (freeMb < minFreeMb) {
    return [
      ok(what, 'writable'),
      fail(
        `disk space of ${root}`,
        `${space}, below ${minFreeMb} MB`,
        'free space, point RecordingsPath at a bigger disk, or lower MaxLocalMediaSizeInMB so retention keeps within it',
      ),
    ];
  }
  return [ok(what, 'writable'), ok(`disk space of ${root}`, space)];
}

export async function checkCredentials(o: DoctorOptions): Promise<CheckResult> {
  try {
    const creds = await o.credentials();
    const expiry = creds.expiration;
    if (!expiry) return ok('AWS credentials', `${o.credentialSource}, no expiry`);
    const minutes = Math.round((expiry.getTime() - Date.now()) / 60_000);
    if (minutes < 5) {
      return warn(
        'AWS credentials',
        `${o.credentialSource}, expire in ${minutes} min`,
        'refresh them; long uploads need credentials that renew',
      );
    }
    return ok('AWS credentials', `${o.credentialSource}, expire in ${minutes} min (renewed automatically)`);
  } catch (err) {
    return fail(
      'AWS credentials',
      `none found (${message(err)})`,
      'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE; under Greengrass, check the token exchange role',
    );
  }
}

// SigV4 signatures are refused when the clocks differ by more than 5 minutes.
const MAX_SKEW_MS = 5 * 60_000;

export async function checkClock(url: string): Promise<CheckResult> {
  try {
    const before = Date.now();
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
    const after = Date.now();
    await res.body?.cancel();
    const date = res.headers.get('date');
    if (!date) return warn('clock', `${url} sent no Date header`, 'check the time with NTP (timedatectl)');
    // The Date header has whole seconds.
    const skew = Date.parse(date) - (before + after) / 2;
    const text = `${skew >= 0 ? 'behind' : 'ahead of'} AWS by ${Math.abs(Math.round(skew / 1000))} s`;
    if (Math.abs(skew) > MAX_SKEW_MS)
      return fail(
        'clock',
        text,
        'AWS refuses requests from a clock more than 5 min off: enable NTP (timedatectl set-ntp true)',
      );
    if (Math.abs(skew) > 30_000)
      return warn('clock', text, 'enable NTP (timedatectl set-ntp true); recordings are named by this clock');
    return ok('clock', text);
  } catch (err) {
    return fail(
      'clock',
      `cannot reach ${url} (${message(err)})`,
      'check the network and the AWS_ENDPOINT_URL_* variables',
    );
  }
}

export async function checkCloud(o: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let cameras: CameraConfig[];
  try {
    const discovery = await discoverCameras({
      client: o.sitewise,
      ...(o.hubAssetId && { hubAssetId: o.hubAssetId }),
      ...(o.thingName && { thingName: o.thingName }),
      checkSchedule: quartzScheduleCheck(o.timeZone || undefined),
    });
    results.push(
      ok(
        'hub',
        `${discovery.hub.assetName} (${discovery.hub.assetId}), model ${discovery.hub.assetModelName}, ${discovery.cameras.length + discovery.problems.length} camera(s)`,
      ),
    );
    for (const p of discovery.problems) {
      results.push(
        fail(
          `camera ${p.assetId}`,
          p.message,
          'fix the attribute in SiteWise (kvs-edge provision <file> rewrites them)',
        ),
      );
    }
    cameras = discovery.cameras;
    if (cameras.length === 0 && discovery.problems.length === 0) {
      results.push(
        warn(
          'cameras',
          'the hub has no camera',
          'associate camera assets with the hub (kvs-edge provision <file>)',
        ),
      );
    }
  } catch (err) {
    results.push(
      fail(
        'hub',
        message(err),
        'set SiteWiseAssetIdForHub to the hub asset id (kvs-edge provision prints it), or give the hub asset the external id of this thing',
      ),
    );
    return results;
  }
  for (const camera of cameras) results.push(...(await checkCamera(o, camera)));
  return results;
}

async function checkCamera(o: DoctorOptions, camera: CameraConfig): Promise<CheckResult[]> {
  const name = `camera ${camera.assetName ?? camera.assetId}`;
  const results: CheckResult[] = [];
  let url: string | undefined;
  try {
    const out = await o.secrets.send(new GetSecretValueCommand({ SecretId: camera.secretArn }));
    const json = JSON.parse(out.SecretString ?? '') as Record<string, unknown>;
    const key = Object.keys(json ?? {}).find((k) => k.toLowerCase() === 'rtspstreamurl');
    const value = key ? json[key] : undefined;
    if (typeof value !== 'string' || !/^rtsps?:\/\//i.test(value)) {
      results.push(
        fail(
          `${name}: secret`,
          `${camera.secretArn} has no RTSPStreamURL with an rtsp:// URL`,
          'store {"RTSPStreamURL": "rtsp://user:password@host:554/path"} in the secret',
        ),
      );
    } else {
      url = value;
      results.push(ok(`${name}: secret`, `${camera.secretArn}: ${redactUrl(value)}`));
    }
  } catch (err) {
    const code = (err as { name?: string }).name;
    results.push(
      fail(
        `${name}: secret`,
        `${camera.secretArn} cannot be read (${code === 'SyntaxError' ? 'not JSON' : (code ?? message(err))})`,
        code === 'ResourceNotFoundException'
          ? 'the secret does not exist: fix RTSPStreamSecretARN or re-run kvs-edge provision'
          : 'allow secretsmanager:GetSecretValue on it (kvs-edge provision --print-policy)',
      ),
    );
  }
  if (url !== undefined)
    results.push(...(await checkRtsp(name, url, camera.secretArn, o.rtspTimeoutMs ?? 5_000)));
  try {
    await o.kvs.send(new DescribeStreamCommand({ StreamName: camera.streamName }));
    results.push(ok(`${name}: KVS stream`, `${camera.streamName} exists`));
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') {
      results.push(
        warn(
          `${name}: KVS stream`,
          `${camera.streamName} does not exist yet`,
          'the component creates it on the first upload (needs kinesisvideo:CreateStream); kvs-edge provision creates it now',
        ),
      );
    } else {
      results.push(
        fail(
          `${name}: KVS stream`,
          `${camera.streamName}: ${message(err)}`,
          'allow kinesisvideo:DescribeStream and CreateStream (kvs-edge provision --print-policy)',
        ),
      );
    }
  }
  if (camera.requests.notifications === 'ENABLED') {
    results.push(ok(`${name}: VideoUploadRequest notifications`, 'enabled'));
  } else {
    results.push(
      warn(
        `${name}: VideoUploadRequest notifications`,
        'disabled: requests from the video player are only seen by polling',
        'enable the MQTT notification of VideoUploadRequest (kvs-edge provision does)',
      ),
    );
  }
  return results;
}

async function checkRtsp(
  name: string,
  url: string,
  urlRef: string,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const ctx = { urlRef };
  const where = `${name}: RTSP ${redactUrl(url)}`;
  let sdp: string;
  try {
    sdp = await describeRtsp(parseRtspUrl(url, ctx), ctx, timeoutMs);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const fix =
      code === 'unauthorized'
        ? 'the camera refused the user name or password (401): fix them in the secret'
        : code === 'not-found'
          ? 'the camera has no such path (404): fix the path in the RTSP URL'
          : code === 'unreachable' || code === 'timeout'
            ? 'the camera cannot be reached: check its address and port, power and network, and any firewall'
            : 'check the RTSP URL in the secret';
    return [fail(where, message(err), fix)];
  }
  try {
    const plan = planMedia(parseSdp(sdp), true, ctx);
    const tracks = [`video ${plan.video.codec}`, ...(plan.audio ? [`audio ${plan.audio.codec}`] : [])];
    return [ok(where, `reachable, authenticated, records ${tracks.join(' + ')}`)];
  } catch (err) {
    return [fail(where, message(err), 'set the camera to stream H.264 or H.265 (no transcoding is done)')];
  }
}

export async function runChecks(
  o: DoctorOptions,
  onResult?: (r: CheckResult) => void,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (r: CheckResult | CheckResult[]) => {
    for (const x of Array.isArray(r) ? r : [r]) {
      results.push(x);
      onResult?.(x);
    }
  };
  add(checkNode());
  add(await checkGStreamer());
  add(await checkPythonGi(o.python ?? '/usr/bin/python3'));
  add(await checkRecordings(o.recordingsPath, o.minFreeMb));
  const creds = await checkCredentials(o);
  add(creds);
  add(await checkClock(o.clockUrl));
  if (creds.level !== 'FAIL') add(await checkCloud(o));
  else add(fail('hub', 'not checked: no AWS credentials', 'fix the credentials first'));
  if (o.greengrass) add(await o.greengrass());
  return results;
}
