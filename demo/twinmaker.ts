// The TwinMaker side of a camera, made the way the TwinMaker getting-started makes it: a workspace and
// one entity per camera with a component of type com.amazon.iotsitewise.connector.edgevideo bound to
// the camera's SiteWise asset. The video player (and the local console) find the stream through it.
import {
  CreateEntityCommand,
  CreateWorkspaceCommand,
  GetWorkspaceCommand,
  type IoTTwinMakerClient,
} from '@aws-sdk/client-iottwinmaker';

export const EDGE_VIDEO_COMPONENT_TYPE = 'com.amazon.iotsitewise.connector.edgevideo';
/** Component name the player is configured with (any name works; the dashboard names it). */
export const VIDEO_COMPONENT = 'EdgeVideo';

export async function ensureWorkspace(client: IoTTwinMakerClient, workspaceId: string): Promise<void> {
  try {
    await client.send(new GetWorkspaceCommand({ workspaceId }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    await client.send(
      new CreateWorkspaceCommand({
        workspaceId,
        description: 'kvs-edge-connector cameras',
        role: 'arn:aws:iam::123456789012:role/TwinMakerWorkspaceRole',
        s3Location: `arn:aws:s3:::twinmaker-${workspaceId.toLowerCase()}`,
      }),
    );
  }
}

/** One entity for a camera asset; returns its entity id. */
export async function createCameraEntity(
  client: IoTTwinMakerClient,
  workspaceId: string,
  camera: { name: string; assetId: string; assetModelId: string },
): Promise<string> {
  const out = await client.send(
    new CreateEntityCommand({
      workspaceId,
      entityName: camera.name,
      entityId: `camera-${camera.assetId}`,
      components: {
        [VIDEO_COMPONENT]: {
          componentTypeId: EDGE_VIDEO_COMPONENT_TYPE,
          properties: {
            sitewiseAssetId: { value: { stringValue: camera.assetId } },
            sitewiseAssetModelId: { value: { stringValue: camera.assetModelId } },
          },
        },
      },
    }),
  );
  return out.entityId!;
}
