// The camera both player tests watch: the RTSP test camera as camera "Front door" of the hub, recording
// all the time, and as the entity in TwinMaker workspace "Cameras" whose video component the player
// reads, set up the way the demo sets it up.
import type { Test } from 'tap';
import { IoTTwinMakerClient } from '@aws-sdk/client-iottwinmaker';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, type Deployment } from '../connector/fixtures.js';
import { createCameraEntity, ensureWorkspace } from '../../demo/twinmaker.js';

export const WORKSPACE = 'Cameras';

/** The front door camera and its TwinMaker entity; `extra` adds to its SiteWise attributes. */
export async function frontDoor(
  t: Test,
  d: Deployment,
  extra: Partial<Parameters<typeof addCamera>[1]> = {},
): Promise<{ cam: Awaited<ReturnType<typeof addCamera>>; entityId: string }> {
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Front door',
    streamName: 'front-door',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
    captureDurationInMinutes: 0,
    ...extra,
  });
  const twinmaker = new IoTTwinMakerClient({
    region: d.cloud.region,
    endpoint: d.cloud.env.AWS_ENDPOINT_URL_IOTTWINMAKER!,
    disableHostPrefix: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  t.teardown(() => twinmaker.destroy());
  await ensureWorkspace(twinmaker, WORKSPACE);
  const entityId = await createCameraEntity(twinmaker, WORKSPACE, { name: 'Front door', ...cam });
  return { cam, entityId };
}
