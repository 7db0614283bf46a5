// The camera both player tests watch: the RTSP test camera as camera "Front door" of the hub, recording
// all the time, and as the entity in TwinMaker workspace "Cameras" whose video component the player
// reads, made by the product's provisioning code.
import type { Test } from 'tap';
import { IoTTwinMakerClient } from '@aws-sdk/client-iottwinmaker';
import {
  cameraOnTestCamera,
  type addCamera,
  type CameraSpec,
  type Deployment,
} from '../connector/fixtures.js';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { writeClip } from '@kvs-edge/localcloud/testkit';
import { cameraEntityId, DEFAULT_VIDEO_COMPONENT, provisionTwinMaker } from '../../src/provision/index.js';

export const WORKSPACE = 'Cameras';
export const VIDEO_COMPONENT = DEFAULT_VIDEO_COMPONENT;

/** The front door camera and its TwinMaker entity; `extra` adds to its SiteWise attributes. */
export async function frontDoor(
  t: Test,
  d: Deployment,
  extra: Partial<Omit<CameraSpec, 'rtspUrl'>> = {},
): Promise<{ cam: Awaited<ReturnType<typeof addCamera>>; entityId: string }> {
  const cam = await cameraOnTestCamera(t, d, {
    name: 'Front door',
    streamName: 'front-door',
    captureStartTime: '* * * * *',
    captureDurationInMinutes: 0,
    ...extra,
  });
  const entityId = await cameraEntity(d, { name: 'Front door', ...cam });
  return { cam, entityId };
}

/**
 * The camera's TwinMaker entity as `kvs-edge provision` makes it for a file's TwinMaker section (workspace
 * WORKSPACE, component VIDEO_COMPONENT) in the deployment's local TwinMaker; returns the entity id the
 * player is configured with.
 */
export async function cameraEntity(
  d: Deployment,
  cam: { name: string; assetId: string; assetModelId: string },
): Promise<string> {
  const twinmaker = new IoTTwinMakerClient({
    region: d.cloud.region,
    endpoint: d.cloud.env.AWS_ENDPOINT_URL_IOTTWINMAKER!,
    disableHostPrefix: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await provisionTwinMaker(
      twinmaker,
      {
        workspaceId: WORKSPACE,
        componentName: VIDEO_COMPONENT,
        role: 'arn:aws:iam::123456789012:role/TwinMakerWorkspaceRole',
        s3Location: 'arn:aws:s3:::twinmaker-cameras',
      },
      [{ name: cam.name, assetId: cam.assetId }],
      cam.assetModelId,
      false,
      () => undefined,
    );
  } finally {
    twinmaker.destroy();
  }
  return cameraEntityId(cam.assetId);
}

/** An old recording as the store keeps it: video_<start>.mkv with absolute (epoch ms) timecodes. */
export async function oldRecording(dir: string, startMs: number, seconds: number): Promise<void> {
  const file = path.join(dir, `video_${startMs}.mkv`);
  await writeClip(file, { seconds, fps: 10, epochStartMs: startMs, minClusterMs: 1000 });
  await chmod(file, 0o600);
}
