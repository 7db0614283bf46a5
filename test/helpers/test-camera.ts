// Test-side wrapper: the camera stops when the test ends, also when it fails.
import {
  startTestCamera as start,
  type TestCamera,
  type TestCameraOptions,
} from '../../src/localcloud/camera.js';

export { REPO_ROOT } from '../../src/localcloud/camera.js';
export type { TestCamera, TestCameraOptions };

export async function startTestCamera(
  t: { teardown(fn: () => unknown): void },
  options: TestCameraOptions = {},
): Promise<TestCamera> {
  const camera = await start(options);
  t.teardown(() => camera.stop());
  return camera;
}
