// Shared pieces of the VOD tests: real recordings from the test camera (test camera -> CameraSource ->
// store writer), the local S3 and MediaPackage VOD stand-ins with real SDK clients, and a packaging
// group made by our own setup code.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CameraSource } from '../../src/gst/index.js';
import { createLogger, type Logger } from '../../src/log/index.js';
import { startMediaPackageVodService, type MediaPackageVodService } from '@kvs-edge/localcloud';
import { startS3Service, type S3Service } from '@kvs-edge/localcloud';
import { openStore, type Store } from '../../src/store/index.js';
import { createVodClients, type VodClients } from '../../src/vod/index.js';
import { startTestCamera } from '../helpers/test-camera.js';

type Teardown = { teardown(fn: () => unknown): void };

export const quietLog = (lines?: string[]): Logger =>
  createLogger({ level: 'debug', destination: { write: (l: string) => void lines?.push(l) } });

/** One recorded camera: its folder name in the store and what it covers. */
export interface Recording {
  cameraId: string;
  startMs: number;
  endMs: number;
}

/** What each recording is; the names are the camera ids in the store. */
export const RECORDINGS = {
  h264aac: { path: '/cam', audio: 'aac', record: true },
  h265aac: { path: '/cam265', audio: 'aac', record: true },
  h264: { path: '/cam', audio: 'aac', record: false },
  h264pcma: { path: '/cam', audio: 'pcma', record: true },
} as const;

export type RecordingName = keyof typeof RECORDINGS;

/**
 * Records every RECORDINGS entry at once for `fragments` fragments (1 s GOPs, 320x240): two test
 * cameras (AAC and G.711 A-law), four CameraSources writing into one store under `root`.
 */
export async function recordAll(
  t: Teardown,
  root: string,
  fragments = 7,
): Promise<Record<RecordingName, Recording>> {
  const log = quietLog();
  const common = { width: 320, height: 240, fps: 15, gopSeconds: 1, bitrateKbps: 300 };
  const [aac, pcma] = await Promise.all([
    startTestCamera(t, { ...common, audio: 'aac' }),
    startTestCamera(t, { ...common, audio: 'pcma' }),
  ]);
  const store = await openStore(root, { log });
  const counts = new Map<string, number>();
  const runs = Object.entries(RECORDINGS).map(([name, r]) => {
    const camera = r.audio === 'pcma' ? pcma : aac;
    const writer = store.writer(name);
    let resolve!: () => void;
    const done = new Promise<void>((res) => (resolve = res));
    const source = new CameraSource({
      cameraId: name,
      url: camera.url(r.path),
      audio: r.record,
      log,
      onFragment: (f) => {
        writer.append(f);
        const n = (counts.get(name) ?? 0) + 1;
        counts.set(name, n);
        if (n >= fragments) resolve();
      },
    });
    source.start();
    t.teardown(() => source.stop());
    return { name, source, done };
  });
  await withDeadline(Promise.all(runs.map((r) => r.done)), 60_000, 'the test recordings');
  await Promise.all(runs.map((r) => r.source.stop()));
  await store.close();
  const reopened = await openStore(root, { log });
  const out = {} as Record<RecordingName, Recording>;
  for (const name of Object.keys(RECORDINGS) as RecordingName[]) {
    const range = reopened.recorded(name)[0];
    if (!range) throw new Error(`no recording for ${name}`);
    out[name] = { cameraId: name, ...range };
  }
  await reopened.close();
  return out;
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The local S3 + MediaPackage VOD and clients talking to them. */
export interface Cloud {
  s3: S3Service;
  mp: MediaPackageVodService;
  clients: VodClients;
  env: Record<string, string>;
}

export async function startCloud(t: Teardown): Promise<Cloud> {
  const s3 = await startS3Service();
  t.teardown(() => s3.stop());
  const mp = await startMediaPackageVodService({ s3, queuedMs: 20, processingMs: 50 });
  t.teardown(() => mp.stop());
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD: mp.endpoint,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  };
  const clients = createVodClients({ env, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => clients.destroy());
  return { s3, mp, clients, env };
}

export async function tempDir(t: Teardown, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `vod-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export { openStore, type Store };
