// One clip, start to finish: check the bucket and the packaging group, convert the recording to HLS
// in a private temporary folder, upload it (parent playlist last), CreateAsset (only after the upload
// completed), poll until the asset is playable or failed. Never throws: every outcome, good or bad,
// is a VodStatus the caller logs, prints or writes to the camera's VodAssetStatus measurement.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MediaPackageVodClient } from '@aws-sdk/client-mediapackage-vod';
import type { Logger } from '../log/index.js';
import {
  checkPackagingGroup,
  createAssetOnce,
  waitForAsset,
  type Egress,
  type PollOptions,
} from './asset.js';
import { packageClip, PARENT_PLAYLIST, type FragmentSource } from './clip.js';
import type { VodSettings } from './config.js';
import { VodError, awsErrorName, messageOf, type VodErrorCode } from './errors.js';
import { assetIdFor, clipKeyPrefix, s3ObjectArn } from './naming.js';
import { s3Failure, uploadFiles, type UploadOptions } from './upload.js';

/** Where a publish ended (or is, for progress events). */
export type VodState =
  'PACKAGING' | 'UPLOADING' | 'INGESTING' | 'PLAYABLE' | 'INGEST_FAILED' | 'TIMED_OUT' | 'ERROR';

/** The report of one publish: what the CLI prints and VodAssetStatus carries. */
export interface VodStatus {
  assetId: string;
  cameraId: string;
  thingName: string;
  /** The range asked for (ISO times). */
  requested: { start: string; end: string };
  /** What the clip covers: whole fragments around the request (absent when nothing was packaged). */
  clip?: { start: string; end: string; durationS: number };
  state: VodState;
  /** Per packaging configuration id: egress status and URL. */
  egress: Record<string, { status: string; url: string }>;
  /** s3://bucket/key of the parent playlist (the asset's source). */
  source?: string;
  upload?: { segments: number; uploaded: number; skipped: number; bytes: number };
  error?: { code: VodErrorCode; message: string };
  /** Things the viewer should know, e.g. "G.711 audio dropped". */
  notes: string[];
  updatedAt: string;
}

/** What publishClip needs; the runtime builds it once (createVodClients gives the clients). */
export interface PublishDeps {
  store: FragmentSource;
  s3: S3Client;
  mediapackage: MediaPackageVodClient;
  log: Logger;
  thingName: string;
  /** Parent of the temporary clip folders; the OS temp dir by default. */
  workDir?: string;
  gstLaunchPath?: string;
}

/** One publish request. */
export interface PublishRequest {
  cameraId: string;
  startMs: number;
  endMs: number;
  settings: VodSettings;
  signal?: AbortSignal;
  poll?: Omit<PollOptions, 'signal'>;
  upload?: Pick<UploadOptions, 'concurrency' | 'multipartThresholdBytes'>;
  /** Called at each step with the status so far (PACKAGING, UPLOADING, INGESTING, then the end). */
  onProgress?: (status: VodStatus) => void;
}

const iso = (ms: number) => new Date(ms).toISOString();

function egressMap(egress: Egress[]): VodStatus['egress'] {
  return Object.fromEntries(
    egress.map((e) => [e.packagingConfigurationId, { status: e.status, url: e.url }]),
  );
}

async function checkBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), signal ? { abortSignal: signal } : {});
  } catch (err) {
    const { name, status } = awsErrorName(err);
    // HEAD has no body, so a missing bucket is only a 404 here.
    if (name === 'NotFound' || name === 'NoSuchBucket' || status === 404)
      throw new VodError(
        'bucket-missing',
        `S3 bucket ${bucket} does not exist; create it or fix Vod.S3Bucket`,
        { cause: err },
      );
    throw s3Failure(err, bucket, '');
  }
}

/** Publishes one clip; resolves with its final status (never rejects). */
export async function publishClip(deps: PublishDeps, request: PublishRequest): Promise<VodStatus> {
  const { cameraId, startMs, endMs, settings, signal } = request;
  const log = deps.log.child({ camera: cameraId, vod: true });
  const status: VodStatus = {
    assetId: assetIdFor(cameraId, startMs, endMs),
    cameraId,
    thingName: deps.thingName,
    requested: { start: iso(startMs), end: iso(endMs) },
    state: 'PACKAGING',
    egress: {},
    notes: [],
    updatedAt: iso(Date.now()),
  };
  const progress = (state: VodState) => {
    status.state = state;
    status.updatedAt = iso(Date.now());
    try {
      request.onProgress?.(structuredClone(status));
    } catch (err) {
      log.warn({ err }, 'a VOD progress listener threw');
    }
  };
  let dir: string | undefined;
  try {
    if (!(endMs > startMs))
      throw new VodError('no-recording', `clip end ${iso(endMs)} is not after its start ${iso(startMs)}`);
    progress('PACKAGING');
    await checkBucket(deps.s3, settings.bucket, signal);
    await checkPackagingGroup(deps.mediapackage, settings.packagingGroupId, signal);
    dir = await mkdtemp(path.join(deps.workDir ?? os.tmpdir(), 'kvs-edge-vod-'));
    const clip = await packageClip(deps.store, cameraId, startMs, endMs, dir, {
      segmentSeconds: settings.segmentSeconds,
      ...(signal && { signal }),
      ...(deps.gstLaunchPath !== undefined && { gstLaunchPath: deps.gstLaunchPath }),
    });
    status.notes.push(...clip.notes);
    status.clip = {
      start: iso(clip.startMs),
      end: iso(clip.endMs),
      durationS: (clip.endMs - clip.startMs) / 1000,
    };
    const keyPrefix = clipKeyPrefix(settings.prefix, deps.thingName, cameraId, startMs);
    const parentKey = keyPrefix + PARENT_PLAYLIST;
    status.source = `s3://${settings.bucket}/${parentKey}`;
    progress('UPLOADING');
    const uploaded = await uploadFiles(deps.s3, settings.bucket, keyPrefix, dir, clip.files, {
      ...request.upload,
      ...(signal && { signal }),
    });
    status.upload = { segments: clip.segments.length, ...uploaded };
    log.info({ source: status.source, ...status.upload }, 'VOD clip uploaded');
    const created = await createAssetOnce(
      deps.mediapackage,
      {
        id: status.assetId,
        packagingGroupId: settings.packagingGroupId,
        sourceArn: s3ObjectArn(settings.bucket, parentKey),
        sourceRoleArn: settings.sourceRoleArn,
        tags: { camera: cameraId, thing: deps.thingName, clipStart: iso(startMs), clipEnd: iso(endMs) },
      },
      signal,
    );
    if (created.existed) status.notes.push('asset already existed with this source; not created again');
    status.egress = egressMap(created.egress);
    progress('INGESTING');
    const outcome = await waitForAsset(deps.mediapackage, status.assetId, created.egress, {
      ...request.poll,
      ...(signal && { signal }),
      onPoll: (egress) => {
        status.egress = egressMap(egress);
      },
    });
    status.egress = egressMap(outcome.egress);
    if (outcome.state === 'INGEST_FAILED') {
      const failed = outcome.egress
        .filter((e) => e.status === 'FAILED')
        .map((e) => e.packagingConfigurationId);
      status.error = {
        code: 'ingest-failed',
        message: `MediaPackage could not ingest ${status.source} (FAILED for ${failed.join(', ')}); check that the source role can read the bucket`,
      };
    } else if (outcome.state === 'TIMED_OUT') {
      status.error = {
        code: 'timeout',
        message: `asset ${status.assetId} was not playable before the deadline; check it with kvs-edge vod status`,
      };
    }
    progress(outcome.state);
    log.info({ asset: status.assetId, state: status.state, egress: status.egress }, 'VOD publish finished');
  } catch (err) {
    const e = err instanceof VodError ? err : new VodError('upload-failed', messageOf(err), { cause: err });
    status.error = { code: e.code, message: e.message };
    progress('ERROR');
    log.warn({ asset: status.assetId, code: e.code, err: e.message }, 'VOD publish failed');
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  return status;
}

// SiteWise STRING values hold at most 1024 characters.
const MEASUREMENT_MAX = 1024;

/**
 * The status as a VodAssetStatus measurement value: JSON of at most 1024 characters. When the whole
 * status is longer, notes, then URLs, then the upload counts are left out, in that order.
 */
export function statusMeasurementValue(status: VodStatus, max = MEASUREMENT_MAX): string {
  const { thingName: _t, updatedAt: _u, ...rest } = status;
  const steps: ((s: Record<string, unknown>) => Record<string, unknown>)[] = [
    (s) => s,
    (s) => ({ ...s, notes: undefined }),
    (s) => ({
      ...s,
      egress: Object.fromEntries(Object.entries(status.egress).map(([k, v]) => [k, v.status])),
    }),
    (s) => ({ ...s, upload: undefined, source: undefined, requested: undefined }),
  ];
  let value: Record<string, unknown> = rest;
  for (const step of steps) {
    value = step(value);
    const text = JSON.stringify(value);
    if (text.length <= max) return text;
  }
  // Still too long (an enormous camera id or message): the essentials only, always valid JSON.
  return JSON.stringify({
    assetId: status.assetId.slice(0, 300),
    state: status.state,
    ...(status.error && { error: { code: status.error.code, message: status.error.message.slice(0, 300) } }),
  });
}
