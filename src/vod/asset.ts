// MediaPackage VOD asset life: the packaging group check before anything is uploaded, an idempotent
// CreateAsset (an asset with this id and the same source is success; another source is a conflict),
// and DescribeAsset polling with capped backoff until every egress endpoint is PLAYABLE, one is
// FAILED, or the deadline passes.
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateAssetCommand,
  DescribeAssetCommand,
  DescribePackagingGroupCommand,
  type DescribeAssetCommandOutput,
  type MediaPackageVodClient,
} from '@aws-sdk/client-mediapackage-vod';
import { VodError, awsErrorName, messageOf } from './errors.js';

/** One egress endpoint: its packaging configuration, status and URL. */
export interface Egress {
  packagingConfigurationId: string;
  /** QUEUED, PROCESSING, PLAYABLE, FAILED, or UNKNOWN when the service leaves it out. */
  status: string;
  url: string;
}

/** What CreateAsset needs. */
export interface AssetRequest {
  id: string;
  packagingGroupId: string;
  sourceArn: string;
  sourceRoleArn: string;
  tags: Record<string, string>;
}

/** How DescribeAsset is polled. */
export interface PollOptions {
  /** First wait; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up (state TIMED_OUT) after this long; ingest takes "several minutes" in AWS. */
  deadlineMs?: number;
  signal?: AbortSignal;
  onPoll?: (egress: Egress[]) => void;
}

/** Where polling ended. */
export interface AssetOutcome {
  state: 'PLAYABLE' | 'INGEST_FAILED' | 'TIMED_OUT';
  egress: Egress[];
}

export const POLL_DEFAULTS = { initialDelayMs: 5_000, maxDelayMs: 30_000, deadlineMs: 20 * 60_000 };

/** Maps a MediaPackage error onto a VodError that says what to fix. */
export function mediaPackageFailure(err: unknown, what: string, groupId?: string): VodError {
  if (err instanceof VodError) return err;
  const { name } = awsErrorName(err);
  const message = messageOf(err);
  if (name === 'ForbiddenException')
    return new VodError(
      'access-denied',
      `MediaPackage VOD refused ${what}: ${message}; the device role needs mediapackage-vod:* on the group and iam:PassRole on the source role`,
      { cause: err },
    );
  if (name === 'TooManyRequestsException')
    return new VodError(
      'throttled',
      `MediaPackage VOD throttled ${what}; it is retried on the next publish`,
      { cause: err },
    );
  if (name === 'AbortError') return new VodError('aborted', 'publishing was cancelled', { cause: err });
  if (groupId !== undefined && (name === 'NotFoundException' || /packaging ?group/i.test(message)))
    return new VodError(
      'group-missing',
      `MediaPackage VOD packaging group ${groupId} does not exist; create it (kvs-edge vod setup --group ${groupId}) or fix Vod.PackagingGroupId`,
      { cause: err },
    );
  return new VodError('create-failed', `MediaPackage VOD ${what} failed: ${name}: ${message}`, {
    cause: err,
  });
}

export function egressOf(asset: Pick<DescribeAssetCommandOutput, 'EgressEndpoints'>): Egress[] {
  return (asset.EgressEndpoints ?? []).map((e) => ({
    packagingConfigurationId: e.PackagingConfigurationId ?? '?',
    status: e.Status ?? 'UNKNOWN',
    url: e.Url ?? '',
  }));
}

/** Fails with 'group-missing' (or access-denied) before anything is uploaded. */
export async function checkPackagingGroup(mp: MediaPackageVodClient, groupId: string, signal?: AbortSignal) {
  try {
    return await mp.send(
      new DescribePackagingGroupCommand({ Id: groupId }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (err) {
    throw mediaPackageFailure(err, `DescribePackagingGroup ${groupId}`, groupId);
  }
}

/** CreateAsset, or the existing asset when one with this id already has this source. */
export async function createAssetOnce(
  mp: MediaPackageVodClient,
  request: AssetRequest,
  signal?: AbortSignal,
): Promise<{ egress: Egress[]; existed: boolean }> {
  const opts = signal ? { abortSignal: signal } : {};
  try {
    const created = await mp.send(
      new CreateAssetCommand({
        Id: request.id,
        PackagingGroupId: request.packagingGroupId,
        SourceArn: request.sourceArn,
        SourceRoleArn: request.sourceRoleArn,
        Tags: request.tags,
      }),
      opts,
    );
    return { egress: egressOf(created), existed: false };
  } catch (err) {
    const { name } = awsErrorName(err);
    // The service answers a duplicate id with 422 (or, per the model, possibly a conflict); look.
    if (name !== 'UnprocessableEntityException' && name !== 'ConflictException')
      throw mediaPackageFailure(err, `CreateAsset ${request.id}`, request.packagingGroupId);
    let existing: DescribeAssetCommandOutput;
    try {
      existing = await mp.send(new DescribeAssetCommand({ Id: request.id }), opts);
    } catch (describeErr) {
      if (awsErrorName(describeErr).name === 'NotFoundException')
        throw mediaPackageFailure(err, `CreateAsset ${request.id}`, request.packagingGroupId);
      throw mediaPackageFailure(describeErr, `DescribeAsset ${request.id}`);
    }
    if (existing.SourceArn !== request.sourceArn)
      throw new VodError(
        'asset-conflict',
        `MediaPackage VOD asset ${request.id} already exists with source ${existing.SourceArn ?? '(none)'}, not ${request.sourceArn}; delete it to publish this clip again`,
      );
    return { egress: egressOf(existing), existed: true };
  }
}

function outcome(egress: Egress[]): AssetOutcome['state'] | undefined {
  if (egress.some((e) => e.status === 'FAILED')) return 'INGEST_FAILED';
  if (egress.length > 0 && egress.every((e) => e.status === 'PLAYABLE')) return 'PLAYABLE';
  return undefined;
}

/** Polls DescribeAsset until PLAYABLE everywhere, FAILED anywhere, or the deadline. */
export async function waitForAsset(
  mp: MediaPackageVodClient,
  id: string,
  first: Egress[],
  options: PollOptions = {},
): Promise<AssetOutcome> {
  const { initialDelayMs, maxDelayMs, deadlineMs } = { ...POLL_DEFAULTS, ...withoutUndefined(options) };
  const deadline = Date.now() + deadlineMs;
  let egress = first;
  let wait = initialDelayMs;
  for (;;) {
    const state = outcome(egress);
    if (state) return { state, egress };
    const left = deadline - Date.now();
    if (left <= 0) return { state: 'TIMED_OUT', egress };
    try {
      await delay(Math.min(wait, left), undefined, options.signal ? { signal: options.signal } : {});
      wait = Math.min(wait * 2, maxDelayMs);
      egress = egressOf(
        await mp.send(
          new DescribeAssetCommand({ Id: id }),
          options.signal ? { abortSignal: options.signal } : {},
        ),
      );
    } catch (err) {
      if (options.signal?.aborted) throw new VodError('aborted', 'publishing was cancelled', { cause: err });
      // A throttled or failed poll is not the asset's failure: try again at the next step.
      if (awsErrorName(err).name === 'NotFoundException')
        throw mediaPackageFailure(err, `DescribeAsset ${id}`);
      continue;
    }
    options.onPoll?.(egress);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
