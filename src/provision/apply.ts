// Bringing AWS in line with a provisioning file, idempotently: every resource is read first and only
// what differs is created or updated, so a second run reports everything unchanged. With dryRun the
// same walk only reads and reports what it would do.
//
// Models are the reference's exactly (found by name prefix, as its getting-started script does, else
// created as `<prefix>-xxxx`); assets are found by name under their model; the RTSP URL lives in a
// `CameraSecret-<12 hex>` secret whose ARN is the camera's RTSPStreamSecretARN (an existing secret the
// camera already points at is updated in place, not replaced); streams are created with the file's
// retention and the tag the component puts on streams it creates.
import {
  AssociateAssetsCommand,
  CreateAssetCommand,
  DescribeAssetCommand,
  GetAssetPropertyValueCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  UpdateAssetPropertyCommand,
  type AssetProperty,
  type IoTSiteWiseClient,
  type Variant,
} from '@aws-sdk/client-iotsitewise';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CAMERA_HIERARCHY, CameraProperty } from '../sitewise/index.js';
import { putAttributes, type AttributeValues } from './assets.js';
import {
  findCameraModel,
  findHubModel,
  ensureCameraModel,
  ensureHubModel,
  hex,
  waitActive,
} from './models.js';
import type { CameraSpec, HubSpec, ProvisionSpec } from './file.js';
import { provisionTwinMaker } from './twinmaker.js';
import type { IoTTwinMakerClient } from '@aws-sdk/client-iottwinmaker';

/** What happened (or, in a dry run, would happen) to one resource. */
export interface Change {
  action: 'create' | 'update' | 'unchanged';
  kind:
    | 'camera model'
    | 'hub model'
    | 'asset'
    | 'attributes'
    | 'notification'
    | 'secret'
    | 'stream'
    | 'association'
    | 'workspace'
    | 'entity';
  /** The resource, by the name a person knows it by. */
  target: string;
  detail?: string;
}

export interface ProvisionClients {
  sitewise: IoTSiteWiseClient;
  secrets: SecretsManagerClient;
  kvs: KinesisVideoClient;
  /** Made only when the file has a TwinMaker section (the SDK loads lazily). */
  twinmaker?: () => Promise<IoTTwinMakerClient>;
}

export interface ProvisionResult {
  dryRun: boolean;
  changes: Change[];
  hubs: { name: string; assetId?: string }[];
  cameras: { name: string; assetId?: string; streamName: string; secretArn?: string }[];
}

/** A resource the file needs cannot be made to match it (the message names it and the fix). */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

const HUB_NAME = 'HubName';
// The component's mark on streams it creates (src/main.ts provision tags).
const STREAM_TAGS = { EdgeConnectorForKVS: 'true' };

export async function applyProvision(
  spec: ProvisionSpec,
  clients: ProvisionClients,
  options: { dryRun?: boolean; onChange?: (change: Change) => void } = {},
): Promise<ProvisionResult> {
  const dryRun = options.dryRun ?? false;
  const result: ProvisionResult = { dryRun, changes: [], hubs: [], cameras: [] };
  const record = (change: Change) => {
    result.changes.push(change);
    options.onChange?.(change);
  };
  const sw = clients.sitewise;

  let cameraModelId = await findCameraModel(sw);
  if (cameraModelId) record({ action: 'unchanged', kind: 'camera model', target: cameraModelId });
  else {
    if (!dryRun) cameraModelId = await ensureCameraModel(sw);
    record({
      action: 'create',
      kind: 'camera model',
      target: cameraModelId ?? 'EdgeConnectorForKVSCameraModel-xxxx',
    });
  }
  let hubModelId = await findHubModel(sw);
  if (hubModelId) record({ action: 'unchanged', kind: 'hub model', target: hubModelId });
  else {
    if (!dryRun) hubModelId = await ensureHubModel(sw, cameraModelId!);
    record({ action: 'create', kind: 'hub model', target: hubModelId ?? 'EdgeConnectorForKVSHubModel-xxxx' });
  }

  const cameraIds = new Map<string, string | undefined>();
  for (const camera of spec.cameras) {
    const out = await provisionCameraSpec(
      clients,
      cameraModelId,
      camera,
      spec.streamRetentionHours,
      dryRun,
      record,
    );
    cameraIds.set(camera.name, out.assetId);
    result.cameras.push(out);
  }
  for (const hub of spec.hubs) {
    const assetId = await provisionHubSpec(sw, hubModelId, cameraModelId, hub, cameraIds, dryRun, record);
    result.hubs.push({ name: hub.name, ...(assetId && { assetId }) });
  }
  if (spec.twinmaker) {
    if (!clients.twinmaker)
      throw new ProvisionError('TwinMaker entities were asked for, but no TwinMaker client');
    try {
      await provisionTwinMaker(
        await clients.twinmaker(),
        spec.twinmaker,
        result.cameras,
        cameraModelId,
        dryRun,
        record,
      );
    } catch (err) {
      if (err instanceof Error && !('$metadata' in err)) throw new ProvisionError(err.message);
      throw err;
    }
  }
  return result;
}

async function provisionCameraSpec(
  clients: ProvisionClients,
  modelId: string | undefined,
  camera: CameraSpec,
  retentionHours: number,
  dryRun: boolean,
  record: (c: Change) => void,
): Promise<ProvisionResult['cameras'][number]> {
  const sw = clients.sitewise;
  const label = `camera "${camera.name}"`;
  let assetId = modelId ? await findAsset(sw, modelId, camera.name) : undefined;
  const created = assetId === undefined;
  if (created) {
    if (!dryRun) assetId = await createAsset(sw, modelId!, camera.name);
    record({ action: 'create', kind: 'asset', target: label, ...(assetId && { detail: assetId }) });
  } else record({ action: 'unchanged', kind: 'asset', target: label, detail: assetId });

  const properties = assetId ? await describeProperties(sw, assetId) : [];
  const current = async (name: string): Promise<Variant | undefined> => {
    const p = properties.find((q) => q.name?.toLowerCase() === name.toLowerCase());
    if (!assetId || !p?.id) return undefined;
    try {
      const out = await sw.send(new GetAssetPropertyValueCommand({ assetId, propertyId: p.id }));
      return out.propertyValue?.value;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  };

  // The secret first: its ARN is one of the attributes.
  let secretArn = camera.secretArn;
  if (camera.rtspUrl !== undefined) {
    const existing = (await current(CameraProperty.secretArn))?.stringValue;
    const stored = existing?.startsWith('arn:') ? await readSecretUrl(clients.secrets, existing) : undefined;
    if (stored === undefined) {
      if (!dryRun) {
        const out = await clients.secrets.send(
          new CreateSecretCommand({
            Name: `CameraSecret-${hex(6)}`,
            SecretString: JSON.stringify({ RTSPStreamURL: camera.rtspUrl }),
          }),
        );
        secretArn = out.ARN;
      }
      record({
        action: 'create',
        kind: 'secret',
        target: `${label} RTSP URL`,
        ...(secretArn && { detail: secretArn }),
      });
    } else {
      secretArn = existing;
      if (stored.url === camera.rtspUrl) {
        record({ action: 'unchanged', kind: 'secret', target: `${label} RTSP URL`, detail: existing! });
      } else {
        if (!dryRun) {
          await clients.secrets.send(
            new PutSecretValueCommand({
              SecretId: existing,
              SecretString: JSON.stringify({ ...stored.json, RTSPStreamURL: camera.rtspUrl }),
            }),
          );
        }
        record({ action: 'update', kind: 'secret', target: `${label} RTSP URL`, detail: existing! });
      }
    }
  }

  const wanted: AttributeValues = {
    [CameraProperty.streamName]: camera.streamName,
    ...(secretArn !== undefined && { [CameraProperty.secretArn]: secretArn }),
    ...camera.attributes,
  };
  const changed: AttributeValues = {};
  for (const [name, value] of Object.entries(wanted)) {
    if (created || !sameValue(await current(name), value)) changed[name] = value;
  }
  if (assetId) {
    const missing = Object.keys(wanted).filter(
      (n) => !properties.some((p) => p.name?.toLowerCase() === n.toLowerCase()),
    );
    if (missing.length > 0) {
      throw new ProvisionError(
        `${label}: its model has no ${missing.join(', ')}; remove ${missing.length > 1 ? 'them' : 'it'} from the file or use a camera model that has ${missing.length > 1 ? 'them' : 'it'}`,
      );
    }
  }
  const names = Object.keys(changed);
  if (names.length > 0) {
    if (!dryRun) await putAttributes(sw, assetId!, changed);
    record({
      action: created ? 'create' : 'update',
      kind: 'attributes',
      target: label,
      detail: names.join(', '),
    });
  } else record({ action: 'unchanged', kind: 'attributes', target: label });

  const request = properties.find(
    (p) => p.name?.toLowerCase() === CameraProperty.uploadRequest.toLowerCase(),
  );
  if (created || request?.notification?.state !== 'ENABLED') {
    if (!dryRun && request?.id) {
      await sw.send(
        new UpdateAssetPropertyCommand({
          assetId,
          propertyId: request.id,
          propertyNotificationState: 'ENABLED',
        }),
      );
    } else if (!dryRun) {
      throw new ProvisionError(
        `${label}: its model has no VideoUploadRequest property; use the reference camera model`,
      );
    }
    record({
      action: created ? 'create' : 'update',
      kind: 'notification',
      target: `${label} VideoUploadRequest`,
      detail: 'ENABLED',
    });
  } else record({ action: 'unchanged', kind: 'notification', target: `${label} VideoUploadRequest` });

  await provisionStream(clients.kvs, camera.streamName, retentionHours, dryRun, record);
  return {
    name: camera.name,
    streamName: camera.streamName,
    ...(assetId && { assetId }),
    ...(secretArn && { secretArn }),
  };
}

async function provisionStream(
  kvs: KinesisVideoClient,
  streamName: string,
  retentionHours: number,
  dryRun: boolean,
  record: (c: Change) => void,
) {
  try {
    await kvs.send(new DescribeStreamCommand({ StreamName: streamName }));
    record({ action: 'unchanged', kind: 'stream', target: streamName });
    return;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  if (!dryRun) {
    await kvs.send(
      new CreateStreamCommand({
        StreamName: streamName,
        DataRetentionInHours: retentionHours,
        Tags: STREAM_TAGS,
      }),
    );
  }
  record({ action: 'create', kind: 'stream', target: streamName, detail: `retention ${retentionHours} h` });
}

async function provisionHubSpec(
  sw: IoTSiteWiseClient,
  modelId: string | undefined,
  cameraModelId: string | undefined,
  hub: HubSpec,
  cameraIds: Map<string, string | undefined>,
  dryRun: boolean,
  record: (c: Change) => void,
): Promise<string | undefined> {
  const label = `hub "${hub.name}"`;
  let assetId = modelId ? await findAsset(sw, modelId, hub.name) : undefined;
  const created = assetId === undefined;
  if (created) {
    if (!dryRun) assetId = await createAsset(sw, modelId!, hub.name, hub.thingName);
    record({
      action: 'create',
      kind: 'asset',
      target: label,
      ...((assetId || hub.thingName) && {
        detail: [assetId, hub.thingName && `external id ${hub.thingName}`].filter(Boolean).join(' '),
      }),
    });
  } else {
    record({ action: 'unchanged', kind: 'asset', target: label, detail: assetId });
  }
  let hierarchyId: string | undefined;
  if (assetId) {
    const asset = await sw.send(new DescribeAssetCommand({ assetId }));
    if (!created && hub.thingName && asset.assetExternalId !== hub.thingName) {
      throw new ProvisionError(
        `${label} exists with external id ${JSON.stringify(asset.assetExternalId ?? null)}, not ${hub.thingName}; ` +
          'set it in the SiteWise console (or remove ThingName and use SiteWiseAssetIdForHub)',
      );
    }
    hierarchyId = (
      asset.assetHierarchies?.find((h) => h.name?.toLowerCase() === CAMERA_HIERARCHY.toLowerCase()) ??
      asset.assetHierarchies?.[0]
    )?.id;
    const hubName = hub.hubName ?? hub.name;
    const p = asset.assetProperties?.find((q) => q.name === HUB_NAME);
    const now = p?.id
      ? (
          await sw
            .send(new GetAssetPropertyValueCommand({ assetId, propertyId: p.id }))
            .catch(() => undefined)
        )?.propertyValue?.value
      : undefined;
    if (created || !sameValue(now, hubName)) {
      if (!dryRun) await putAttributes(sw, assetId, { [HUB_NAME]: hubName });
      record({ action: created ? 'create' : 'update', kind: 'attributes', target: label, detail: HUB_NAME });
    } else record({ action: 'unchanged', kind: 'attributes', target: label });
  } else {
    record({ action: 'create', kind: 'attributes', target: label, detail: HUB_NAME });
  }
  const children = assetId && hierarchyId ? await associatedIds(sw, assetId, hierarchyId) : new Set<string>();
  for (const name of hub.cameras) {
    let childId = cameraIds.get(name);
    if (!cameraIds.has(name)) {
      childId = cameraModelId ? await findAsset(sw, cameraModelId, name) : undefined;
      if (childId === undefined) {
        throw new ProvisionError(
          `${label} lists camera "${name}", which is neither in the file nor a camera asset in SiteWise; add the camera to the file or fix the name`,
        );
      }
    }
    const target = `${label} -> camera "${name}"`;
    if (childId && children.has(childId)) {
      record({ action: 'unchanged', kind: 'association', target });
      continue;
    }
    if (!dryRun) {
      if (!hierarchyId) throw new ProvisionError(`${label}: its model has no ${CAMERA_HIERARCHY} hierarchy`);
      await sw.send(new AssociateAssetsCommand({ assetId, hierarchyId, childAssetId: childId }));
    }
    record({ action: 'create', kind: 'association', target });
  }
  return assetId;
}

function sameValue(current: Variant | undefined, wanted: string | number | boolean): boolean {
  if (current === undefined) return false;
  if (typeof wanted === 'string') return current.stringValue === wanted;
  if (typeof wanted === 'boolean') return current.booleanValue === wanted;
  return (current.integerValue ?? current.doubleValue) === wanted;
}

async function readSecretUrl(
  secrets: SecretsManagerClient,
  arn: string,
): Promise<{ url: string | undefined; json: Record<string, unknown> } | undefined> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const json = JSON.parse(out.SecretString ?? '') as Record<string, unknown>;
    if (json === null || typeof json !== 'object') return undefined;
    const key = Object.keys(json).find((k) => k.toLowerCase() === 'rtspstreamurl');
    const url = key === undefined ? undefined : json[key];
    return { url: typeof url === 'string' ? url : undefined, json };
  } catch (err) {
    // A secret that is gone or not ours is replaced by a new one; permissions problems are not hidden.
    const name = (err as { name?: string }).name;
    if (name === 'ResourceNotFoundException' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

async function describeProperties(sw: IoTSiteWiseClient, assetId: string): Promise<AssetProperty[]> {
  return (await sw.send(new DescribeAssetCommand({ assetId }))).assetProperties ?? [];
}

async function findAsset(
  sw: IoTSiteWiseClient,
  assetModelId: string,
  name: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await sw.send(new ListAssetsCommand({ assetModelId, nextToken }));
    const found = page.assetSummaries?.find((a) => a.name === name);
    if (found?.id) return found.id;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function createAsset(
  sw: IoTSiteWiseClient,
  assetModelId: string,
  name: string,
  externalId?: string,
): Promise<string> {
  const out = await sw.send(
    new CreateAssetCommand({
      assetName: name,
      assetModelId,
      ...(externalId && { assetExternalId: externalId }),
    }),
  );
  const assetId = out.assetId ?? '';
  await waitActive(async () => (await sw.send(new DescribeAssetCommand({ assetId }))).assetStatus?.state);
  return assetId;
}

async function associatedIds(
  sw: IoTSiteWiseClient,
  assetId: string,
  hierarchyId: string,
): Promise<Set<string>> {
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await sw.send(
      new ListAssociatedAssetsCommand({ assetId, hierarchyId, traversalDirection: 'CHILD', nextToken }),
    );
    for (const a of page.assetSummaries ?? []) if (a.id) ids.add(a.id);
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}
