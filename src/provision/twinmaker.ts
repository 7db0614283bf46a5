// The TwinMaker side of the cameras, made as the TwinMaker getting-started makes it for the video
// player: in a workspace, one entity per camera with a component of type
// com.amazon.iotsitewise.connector.edgevideo bound to the camera's SiteWise asset (its asset id and
// asset model id). The player's video data source reads the stream name and the status properties
// through that binding (docs/video.md).
//
// The TwinMaker SDK loads only here, when a file asks for entities: the component's start path and
// every other command never pay for it.
import type { IoTTwinMakerClient } from '@aws-sdk/client-iottwinmaker';

export const EDGE_VIDEO_COMPONENT_TYPE = 'com.amazon.iotsitewise.connector.edgevideo';
/** The component name in each entity (any name works; the dashboard's player is configured with it). */
export const DEFAULT_VIDEO_COMPONENT = 'EdgeVideo';

/** The file's TwinMaker section. */
export interface TwinMakerSpec {
  workspaceId: string;
  componentName: string;
  /** Both given: a missing workspace is created with them; otherwise it must exist. */
  role?: string;
  s3Location?: string;
}

export interface TwinMakerChange {
  action: 'create' | 'unchanged';
  kind: 'workspace' | 'entity';
  target: string;
  detail?: string;
}

const notFound = (err: unknown) => (err as Error).name === 'ResourceNotFoundException';

/** The entity id of a camera: stable, so a second run finds the entity it made. */
export const cameraEntityId = (assetId: string) => `camera-${assetId}`;

export async function provisionTwinMaker(
  client: IoTTwinMakerClient,
  spec: TwinMakerSpec,
  cameras: { name: string; assetId?: string }[],
  cameraModelId: string | undefined,
  dryRun: boolean,
  record: (change: TwinMakerChange) => void,
): Promise<void> {
  const sdk = await import('@aws-sdk/client-iottwinmaker');
  const { workspaceId } = spec;
  let exists = true;
  try {
    await client.send(new sdk.GetWorkspaceCommand({ workspaceId }));
  } catch (err) {
    if (!notFound(err)) throw err;
    exists = false;
  }
  if (exists) record({ action: 'unchanged', kind: 'workspace', target: workspaceId });
  else {
    if (!spec.role || !spec.s3Location) {
      throw new Error(
        `TwinMaker workspace "${workspaceId}" does not exist: create it in the TwinMaker console, or give TwinMaker.Role and TwinMaker.S3Location in the file so provision creates it`,
      );
    }
    if (!dryRun) {
      await client.send(
        new sdk.CreateWorkspaceCommand({
          workspaceId,
          description: 'kvs-edge-connector cameras',
          role: spec.role,
          s3Location: spec.s3Location,
        }),
      );
    }
    record({ action: 'create', kind: 'workspace', target: workspaceId });
  }
  for (const camera of cameras) {
    const label = `camera "${camera.name}"`;
    // In a dry run a camera asset that does not exist yet has no id; its entity does not exist either.
    const entityId = camera.assetId && cameraEntityId(camera.assetId);
    if (entityId && exists) {
      try {
        await client.send(new sdk.GetEntityCommand({ workspaceId, entityId }));
        record({ action: 'unchanged', kind: 'entity', target: label, detail: entityId });
        continue;
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    }
    if (!dryRun) {
      await client.send(
        new sdk.CreateEntityCommand({
          workspaceId,
          entityId,
          entityName: camera.name,
          components: {
            [spec.componentName]: {
              componentTypeId: EDGE_VIDEO_COMPONENT_TYPE,
              properties: {
                sitewiseAssetId: { value: { stringValue: camera.assetId } },
                sitewiseAssetModelId: { value: { stringValue: cameraModelId } },
              },
            },
          },
        }),
      );
    }
    record({
      action: 'create',
      kind: 'entity',
      target: label,
      detail: `${entityId ?? 'camera-<asset id>'}, ${spec.componentName}: ${EDGE_VIDEO_COMPONENT_TYPE}`,
    });
  }
}
