// Provisioning the way the reference's getting-started script does it (resourceManager.py): reuse
// models found by name prefix or create `<prefix>-xxxx`, create hub and camera assets that do not exist,
// write attribute values, store the RTSP URL in a `CameraSecret-<12 hex>` secret, associate cameras
// through ConnectedCameras and enable VideoUploadRequest notifications. Used by tests, the demo and
// `kvs-edge provision`. (KVS streams are the kvs module's business.)
import {
  AssociateAssetsCommand,
  BatchPutAssetPropertyValueCommand,
  CreateAssetCommand,
  DescribeAssetCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  UpdateAssetPropertyCommand,
  type IoTSiteWiseClient,
  type PutAssetPropertyValueEntry,
  type Variant,
} from '@aws-sdk/client-iotsitewise';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CAMERA_HIERARCHY, CameraProperty, HUB_NAME_PROPERTY, sameName } from '../sitewise/contract.js';
import { ensureCameraModel, ensureHubModel, hex, waitActive } from './models.js';

export { ensureCameraModel, ensureHubModel } from './models.js';

/** Attribute values by property name (string -> STRING, integer -> INTEGER, other number -> DOUBLE). */
export type AttributeValues = Record<string, string | number | boolean>;

/** A provisioned hub. */
export interface ProvisionedHub {
  assetId: string;
  assetModelId: string;
  cameraModelId: string;
  /** Id of the ConnectedCameras hierarchy on the hub asset. */
  hierarchyId: string;
}

/** A provisioned camera. */
export interface ProvisionedCamera {
  assetId: string;
  assetModelId: string;
  secretArn?: string;
  /** Property ids by property name. */
  propertyIds: Record<string, string>;
}

/** Options of provisionHub. */
export interface ProvisionHubOptions {
  /** Hub asset name. */
  name: string;
  /** HubName attribute (free text). */
  hubName?: string;
  /** Asset external id, so the connector can find the hub as `externalId:<thing name>`. */
  externalId?: string;
  /** Exact model names to use (default: any model with the reference prefix, else a new one). */
  hubModelName?: string;
  cameraModelName?: string;
}

/** Options of provisionCamera. */
export interface ProvisionCameraOptions {
  name: string;
  streamName: string;
  /** Stored in a new secret whose ARN becomes RTSPStreamSecretARN (unless secretArn is given). */
  rtspUrl?: string;
  secretArn?: string;
  captureStartTime?: string;
  captureDurationInMinutes?: number;
  liveStreamingStartTime?: string;
  liveStreamingDurationInMinutes?: number;
  localDataRetentionPeriodInMinutes?: number;
  /** More attribute values by property name (or overrides; tests write wrong values this way). */
  attributes?: AttributeValues;
  /** Enable VideoUploadRequest notifications (default true, as the reference script). */
  notifications?: boolean;
  /** Camera model to use instead of the hub's (e.g. one with extra properties). */
  assetModelId?: string;
  /** Associate with the hub (default true). */
  associate?: boolean;
}

/** Clients provisioning needs. */
export interface ProvisionAssetClients {
  sitewise: IoTSiteWiseClient;
  secrets?: SecretsManagerClient;
}

/** Create (or reuse, by name) the hub asset and its models. */
export async function provisionHub(
  client: IoTSiteWiseClient,
  options: ProvisionHubOptions,
): Promise<ProvisionedHub> {
  const cameraModelId = await ensureCameraModel(
    client,
    options.cameraModelName === undefined ? {} : { name: options.cameraModelName },
  );
  const assetModelId = await ensureHubModel(
    client,
    cameraModelId,
    options.hubModelName === undefined ? {} : { name: options.hubModelName },
  );
  const assetId = await ensureAsset(client, assetModelId, options.name, options.externalId);
  const asset = await client.send(new DescribeAssetCommand({ assetId }));
  const hierarchy =
    asset.assetHierarchies?.find((h) => sameName(h.name, CAMERA_HIERARCHY)) ?? asset.assetHierarchies?.[0];
  await putAttributes(client, assetId, { [HUB_NAME_PROPERTY]: options.hubName ?? options.name });
  return { assetId, assetModelId, cameraModelId, hierarchyId: hierarchy?.id ?? '' };
}

/** Create (or reuse, by name) a camera asset, its secret and attributes, and associate it with the hub. */
export async function provisionCamera(
  clients: ProvisionAssetClients,
  hub: ProvisionedHub,
  options: ProvisionCameraOptions,
): Promise<ProvisionedCamera> {
  const client = clients.sitewise;
  const assetModelId = options.assetModelId ?? hub.cameraModelId;
  const assetId = await ensureAsset(client, assetModelId, options.name);
  let secretArn = options.secretArn;
  if (secretArn === undefined && options.rtspUrl !== undefined) {
    if (clients.secrets === undefined)
      throw new Error('provisionCamera: rtspUrl needs a Secrets Manager client');
    const secret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: `CameraSecret-${hex(6)}`,
        SecretString: JSON.stringify({ RTSPStreamURL: options.rtspUrl }),
      }),
    );
    secretArn = secret.ARN;
  }
  const values: AttributeValues = {
    [CameraProperty.streamName]: options.streamName,
    ...(secretArn !== undefined && { [CameraProperty.secretArn]: secretArn }),
    ...(options.captureStartTime !== undefined && {
      [CameraProperty.captureStart]: options.captureStartTime,
    }),
    ...(options.captureDurationInMinutes !== undefined && {
      [CameraProperty.captureDuration]: options.captureDurationInMinutes,
    }),
    ...(options.liveStreamingStartTime !== undefined && {
      [CameraProperty.liveStart]: options.liveStreamingStartTime,
    }),
    ...(options.liveStreamingDurationInMinutes !== undefined && {
      [CameraProperty.liveDuration]: options.liveStreamingDurationInMinutes,
    }),
    ...(options.localDataRetentionPeriodInMinutes !== undefined && {
      [CameraProperty.retentionMinutes]: options.localDataRetentionPeriodInMinutes,
    }),
    ...options.attributes,
  };
  const propertyIds = await putAttributes(client, assetId, values);
  const requestId = propertyIds[CameraProperty.uploadRequest];
  if (options.notifications !== false && requestId !== undefined) {
    await client.send(
      new UpdateAssetPropertyCommand({
        assetId,
        propertyId: requestId,
        propertyNotificationState: 'ENABLED',
      }),
    );
  }
  if (options.associate !== false && !(await isAssociated(client, hub, assetId))) {
    await client.send(
      new AssociateAssetsCommand({
        assetId: hub.assetId,
        hierarchyId: hub.hierarchyId,
        childAssetId: assetId,
      }),
    );
  }
  return { assetId, assetModelId, ...(secretArn !== undefined && { secretArn }), propertyIds };
}

/** Write attribute values by property name; returns every property id of the asset by name. */
export async function putAttributes(
  client: IoTSiteWiseClient,
  assetId: string,
  values: AttributeValues,
): Promise<Record<string, string>> {
  const asset = await client.send(new DescribeAssetCommand({ assetId }));
  const ids: Record<string, string> = {};
  for (const p of asset.assetProperties ?? []) if (p.name && p.id) ids[p.name] = p.id;
  const entries: PutAssetPropertyValueEntry[] = [];
  // Full precision: a value stamped earlier than the asset's creation would lose to the model default.
  const nowMs = Date.now();
  const timestamp = { timeInSeconds: Math.floor(nowMs / 1000), offsetInNanos: (nowMs % 1000) * 1_000_000 };
  for (const [name, value] of Object.entries(values)) {
    const property = asset.assetProperties?.find((p) => sameName(p.name, name));
    if (property?.id === undefined) throw new Error(`asset ${assetId} has no property ${name}`);
    entries.push({
      entryId: `e${entries.length}`,
      assetId,
      propertyId: property.id,
      propertyValues: [{ value: variant(value), timestamp, quality: 'GOOD' }],
    });
  }
  for (let i = 0; i < entries.length; i += 10) {
    const out = await client.send(
      new BatchPutAssetPropertyValueCommand({ entries: entries.slice(i, i + 10) }),
    );
    const failed = out.errorEntries?.[0];
    if (failed !== undefined) {
      throw new Error(
        `writing attribute values of ${assetId} failed: ${failed.errors?.[0]?.errorMessage ?? ''}`,
      );
    }
  }
  return ids;
}

function variant(value: string | number | boolean): Variant {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { booleanValue: value };
  return Number.isInteger(value) ? { integerValue: value } : { doubleValue: value };
}

async function ensureAsset(
  client: IoTSiteWiseClient,
  assetModelId: string,
  name: string,
  externalId?: string,
): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListAssetsCommand({ assetModelId, nextToken }));
    const found = page.assetSummaries?.find((a) => a.name === name);
    if (found?.id !== undefined) return found.id;
    nextToken = page.nextToken;
  } while (nextToken);
  const out = await client.send(
    new CreateAssetCommand({
      assetName: name,
      assetModelId,
      ...(externalId !== undefined && { assetExternalId: externalId }),
    }),
  );
  const assetId = out.assetId ?? '';
  await waitActive(async () => (await client.send(new DescribeAssetCommand({ assetId }))).assetStatus?.state);
  return assetId;
}

async function isAssociated(
  client: IoTSiteWiseClient,
  hub: ProvisionedHub,
  assetId: string,
): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListAssociatedAssetsCommand({
        assetId: hub.assetId,
        hierarchyId: hub.hierarchyId,
        traversalDirection: 'CHILD',
        nextToken,
      }),
    );
    if (page.assetSummaries?.some((a) => a.id === assetId)) return true;
    nextToken = page.nextToken;
  } while (nextToken);
  return false;
}
