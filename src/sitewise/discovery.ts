// Hub and camera discovery: the hub asset (by id or by the thing's external id), every asset associated
// with it through any hierarchy (all pages), and each camera's attributes validated into a CameraConfig.
// A camera with a problem is reported and skipped; only a hub problem fails the whole discovery.
import {
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  ListAssociatedAssetsCommand,
  type DescribeAssetCommandOutput,
  type DescribeAssetModelCommandOutput,
  type IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import type { Logger } from '../log/index.js';
import {
  buildCameraConfig,
  type AttributeValue,
  type CameraConfig,
  type ScheduleCheck,
} from './camera-config.js';
import { HUB_MODEL_PREFIX, sameName } from './contract.js';
import { awsErrorName, describeError, HubError } from './errors.js';
import { quartzScheduleCheck } from './schedule-check.js';
import { readAttribute } from './attributes.js';

/** The hub asset the connector serves. */
export interface HubInfo {
  assetId: string;
  assetName: string;
  assetModelId: string;
  assetModelName: string;
  /** Hierarchy ids followed to find cameras. */
  hierarchyIds: string[];
}

/** A camera left out, and why (the message names the asset, property and value). */
export interface DiscoveryProblem {
  assetId: string;
  message: string;
  /** Notification topics of its attributes with notifications ENABLED (a fix can be noticed at once). */
  attributeTopics?: string[];
}

/** What discovery found. */
export interface Discovery {
  hub: HubInfo;
  cameras: CameraConfig[];
  problems: DiscoveryProblem[];
}

/** Inputs of discoverCameras. */
export interface DiscoveryOptions {
  client: IoTSiteWiseClient;
  /** SiteWiseAssetIdForHub; empty means `externalId:<thingName>`. */
  hubAssetId?: string;
  /** AWS_IOT_THING_NAME. */
  thingName?: string;
  /** Schedule validation; default: the schedule module's Quartz parser in the system time zone. */
  checkSchedule?: ScheduleCheck;
  /** Among cameras sharing a stream name, these keep it (the ones already running, on a reload). */
  preferAssetIds?: Iterable<string>;
  log?: Logger;
  signal?: AbortSignal;
}

// Cameras are read a few at a time: enough to make a 50-camera hub quick, few enough to stay far
// below SiteWise's per-account request rates.
const CAMERA_CONCURRENCY = 4;

/** The DescribeAsset id for the hub: the configured id, else the thing's external id. */
export function hubReference(hubAssetId: string | undefined, thingName: string | undefined): string {
  // The reference strips quotes that survive a Windows shell around the recipe argument.
  const id = (hubAssetId ?? '').replace(/'/g, '').trim();
  if (id !== '') return id;
  const thing = (thingName ?? '').trim();
  if (thing === '') {
    throw new HubError(
      'HUB_UNSET',
      'SiteWiseAssetIdForHub is empty and AWS_IOT_THING_NAME is not set: set the hub asset id in the ' +
        'component configuration, or run under Greengrass with a hub asset whose external id is the thing name',
    );
  }
  return `externalId:${thing}`;
}

/** Find the hub and validate its model. */
export async function describeHub(
  client: IoTSiteWiseClient,
  reference: string,
  signal?: AbortSignal,
): Promise<HubInfo> {
  let asset: DescribeAssetCommandOutput;
  try {
    asset = await client.send(new DescribeAssetCommand({ assetId: reference }), { abortSignal: signal });
  } catch (err) {
    if (
      awsErrorName(err) === 'ResourceNotFoundException' ||
      awsErrorName(err) === 'InvalidRequestException'
    ) {
      throw new HubError(
        'HUB_NOT_FOUND',
        `hub asset ${reference} not found in SiteWise (${describeError(err)}); check SiteWiseAssetIdForHub ` +
          'or the hub asset external id',
        { cause: err },
      );
    }
    throw err;
  }
  const model = await client.send(new DescribeAssetModelCommand({ assetModelId: asset.assetModelId }), {
    abortSignal: signal,
  });
  const modelName = model.assetModelName ?? '';
  if (!modelName.startsWith(HUB_MODEL_PREFIX)) {
    throw new HubError(
      'HUB_MODEL_MISMATCH',
      `asset ${asset.assetName ?? ''} (${asset.assetId ?? reference}) uses model "${modelName}", whose name ` +
        `does not start with ${HUB_MODEL_PREFIX}; point SiteWiseAssetIdForHub at the hub asset`,
    );
  }
  const hierarchyIds = (asset.assetHierarchies ?? []).flatMap((h) => (h.id === undefined ? [] : [h.id]));
  if (hierarchyIds.length === 0) {
    throw new HubError(
      'HUB_NO_HIERARCHY',
      `hub asset ${asset.assetName ?? ''} (${asset.assetId ?? reference}) has no hierarchy to cameras; its ` +
        'model needs the ConnectedCameras hierarchy',
    );
  }
  return {
    assetId: asset.assetId ?? reference,
    assetName: asset.assetName ?? '',
    assetModelId: asset.assetModelId ?? '',
    assetModelName: modelName,
    hierarchyIds,
  };
}

/** Ids of every asset associated with the hub, over all hierarchies and pages, in a stable order. */
export async function listCameraAssetIds(
  client: IoTSiteWiseClient,
  hub: HubInfo,
  signal?: AbortSignal,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const hierarchyId of hub.hierarchyIds) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListAssociatedAssetsCommand({
          assetId: hub.assetId,
          hierarchyId,
          traversalDirection: 'CHILD',
          nextToken,
        }),
        { abortSignal: signal },
      );
      for (const summary of page.assetSummaries ?? []) if (summary.id !== undefined) ids.add(summary.id);
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
  }
  return [...ids];
}

/** Discover the hub and its cameras. Throws HubError (or an SDK error) only when the hub is unusable. */
export async function discoverCameras(options: DiscoveryOptions): Promise<Discovery> {
  const { client, signal } = options;
  const hub = await describeHub(client, hubReference(options.hubAssetId, options.thingName), signal);
  const ids = await listCameraAssetIds(client, hub, signal);
  const checkSchedule = options.checkSchedule ?? quartzScheduleCheck();
  const models = new Map<string, Promise<DescribeAssetModelCommandOutput>>();
  const describeModel = (assetModelId: string): Promise<DescribeAssetModelCommandOutput> => {
    let model = models.get(assetModelId);
    if (model === undefined) {
      model = client.send(new DescribeAssetModelCommand({ assetModelId }), { abortSignal: signal });
      models.set(assetModelId, model);
    }
    return model;
  };

  const results = await mapLimited(ids, CAMERA_CONCURRENCY, async (assetId) => {
    try {
      return await readCamera(client, assetId, describeModel, checkSchedule, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      return {
        ok: false as const,
        problems: [`camera asset ${assetId} could not be read: ${describeError(err)}`],
      };
    }
  });

  const problems: DiscoveryProblem[] = [];
  const candidates: CameraConfig[] = [];
  results.forEach((result, i) => {
    const assetId = ids[i] ?? '';
    if (result.ok) candidates.push(result.config);
    else
      problems.push({
        assetId,
        message: result.problems.join('; '),
        ...(result.attributeTopics && { attributeTopics: result.attributeTopics }),
      });
  });

  const cameras = dropDuplicateStreams(candidates, new Set(options.preferAssetIds ?? []), problems);
  // Each problem is logged by the connector, once until it changes (discovery runs every refresh).
  options.log?.info(
    { hub: hub.assetId, cameras: cameras.length, skipped: problems.length },
    'SiteWise discovery finished',
  );
  return { hub, cameras, problems };
}

async function readCamera(
  client: IoTSiteWiseClient,
  assetId: string,
  describeModel: (id: string) => Promise<DescribeAssetModelCommandOutput>,
  checkSchedule: ScheduleCheck,
  signal?: AbortSignal,
): Promise<ReturnType<typeof buildCameraConfig>> {
  const asset = await client.send(new DescribeAssetCommand({ assetId }), { abortSignal: signal });
  const properties = asset.assetProperties ?? [];
  const model = asset.assetModelId === undefined ? undefined : await describeModel(asset.assetModelId);
  const values = new Map<string, AttributeValue>();
  for (const property of properties) {
    const modelProperty = model?.assetModelProperties?.find(
      (p) => p.id === property.id || sameName(p.name, property.name ?? ''),
    );
    // Only attributes carry configuration; measurements are the request and status channels.
    if (modelProperty?.type?.attribute === undefined || property.id === undefined) continue;
    values.set(
      property.id,
      await readAttribute(client, assetId, property, modelProperty.type.attribute.defaultValue, signal),
    );
  }
  return buildCameraConfig(
    {
      assetId,
      assetName: asset.assetName ?? assetId,
      assetModelId: asset.assetModelId ?? '',
      properties,
      values,
    },
    checkSchedule,
  );
}

// Two cameras writing one stream would interleave two videos; one keeps the name, the others are
// skipped. A running camera (preferred) keeps it, so adding a misconfigured camera never stops a good one.
function dropDuplicateStreams(
  cameras: CameraConfig[],
  preferred: ReadonlySet<string>,
  problems: DiscoveryProblem[],
): CameraConfig[] {
  const byStream = new Map<string, CameraConfig[]>();
  for (const c of cameras) byStream.set(c.streamName, [...(byStream.get(c.streamName) ?? []), c]);
  const kept = new Set<CameraConfig>();
  for (const [stream, group] of byStream) {
    const sorted = [...group].sort(
      (a, b) =>
        Number(preferred.has(b.assetId)) - Number(preferred.has(a.assetId)) ||
        a.assetId.localeCompare(b.assetId),
    );
    const [winner, ...losers] = sorted;
    if (winner !== undefined) kept.add(winner);
    for (const loser of losers) {
      problems.push({
        assetId: loser.assetId,
        message:
          `camera asset ${loser.assetName} (${loser.assetId}): property KinesisVideoStreamName value ` +
          `"${stream}" is also used by camera asset ${winner?.assetName ?? ''} (${winner?.assetId ?? ''}); ` +
          'each camera needs its own stream',
      });
    }
  }
  return cameras.filter((c) => kept.has(c));
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
