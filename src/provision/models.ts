// Asset models for provisioning: the reference's hub and camera models, found by name (prefix) or
// created, and waited for until ACTIVE.
import { randomBytes } from 'node:crypto';
import {
  CreateAssetModelCommand,
  DescribeAssetModelCommand,
  ListAssetModelsCommand,
  type AssetModelPropertyDefinition,
  type IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import {
  CAMERA_HIERARCHY,
  CAMERA_MODEL_PREFIX,
  CAMERA_MODEL_PROPERTIES,
  HUB_MODEL_PREFIX,
  HUB_NAME_PROPERTY,
  type CameraPropertySpec,
} from '../sitewise/contract.js';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Find (by exact name, else by prefix) or create a camera model; returns its id once ACTIVE. */
export async function ensureCameraModel(
  client: IoTSiteWiseClient,
  options: { name?: string; properties?: readonly CameraPropertySpec[] } = {},
): Promise<string> {
  const existing = await findModel(client, options.name, CAMERA_MODEL_PREFIX);
  if (existing !== undefined) return existing;
  const properties = options.properties ?? CAMERA_MODEL_PROPERTIES;
  const out = await client.send(
    new CreateAssetModelCommand({
      assetModelName: options.name ?? `${CAMERA_MODEL_PREFIX}-${hex(2)}`,
      assetModelDescription: 'Camera Device for EdgeConnectorForKVS',
      assetModelProperties: properties.map(propertyDefinition),
    }),
  );
  await waitActive(() => describeModelState(client, out.assetModelId ?? ''));
  return out.assetModelId ?? '';
}

/** Find or create the hub model with its ConnectedCameras hierarchy to `cameraModelId`. */
export async function ensureHubModel(
  client: IoTSiteWiseClient,
  cameraModelId: string,
  options: { name?: string } = {},
): Promise<string> {
  const existing = await findModel(client, options.name, HUB_MODEL_PREFIX);
  if (existing !== undefined) return existing;
  const out = await client.send(
    new CreateAssetModelCommand({
      assetModelName: options.name ?? `${HUB_MODEL_PREFIX}-${hex(2)}`,
      assetModelDescription: 'Hub Device for EdgeConnectorForKVS',
      assetModelProperties: [
        { name: HUB_NAME_PROPERTY, dataType: 'STRING', type: { attribute: { defaultValue: 'Hub Name' } } },
      ],
      assetModelHierarchies: [{ name: CAMERA_HIERARCHY, childAssetModelId: cameraModelId }],
    }),
  );
  await waitActive(() => describeModelState(client, out.assetModelId ?? ''));
  return out.assetModelId ?? '';
}

/** The reference's camera model, found as its getting-started script finds it (name prefix). */
export function findCameraModel(client: IoTSiteWiseClient, name?: string): Promise<string | undefined> {
  return findModel(client, name, CAMERA_MODEL_PREFIX);
}

/** The reference's hub model, found by name prefix. */
export function findHubModel(client: IoTSiteWiseClient, name?: string): Promise<string | undefined> {
  return findModel(client, name, HUB_MODEL_PREFIX);
}

function propertyDefinition(spec: CameraPropertySpec): AssetModelPropertyDefinition {
  return {
    name: spec.name,
    dataType: spec.dataType,
    type:
      spec.kind === 'attribute'
        ? { attribute: spec.defaultValue === undefined ? {} : { defaultValue: spec.defaultValue } }
        : { measurement: {} },
  };
}

async function findModel(
  client: IoTSiteWiseClient,
  name: string | undefined,
  prefix: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListAssetModelsCommand({ nextToken }));
    const found = page.assetModelSummaries?.find((m) =>
      name !== undefined ? m.name === name : (m.name ?? '').startsWith(prefix),
    );
    if (found?.id !== undefined) return found.id;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function describeModelState(
  client: IoTSiteWiseClient,
  assetModelId: string,
): Promise<string | undefined> {
  return (await client.send(new DescribeAssetModelCommand({ assetModelId }))).assetModelStatus?.state;
}

// SiteWise creates models and assets asynchronously (CREATING -> ACTIVE); AWS takes seconds.
export async function waitActive(
  state: () => Promise<string | undefined>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const s = await state();
    if (s === undefined || s === 'ACTIVE') return;
    if (s === 'FAILED') throw new Error('SiteWise reports the model or asset as FAILED');
    if (Date.now() > deadline) throw new Error(`SiteWise model or asset still ${s} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2000);
  }
}
