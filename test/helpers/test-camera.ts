// Test-side wrapper: the camera stops when the test ends, also when it fails.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestCamera as start, type TestCamera, type TestCameraOptions } from '@kvs-edge/localcloud';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export type { TestCamera, TestCameraOptions };

export async function startTestCamera(
  t: { teardown(fn: () => unknown): void },
  options: TestCameraOptions = {},
): Promise<TestCamera> {
  const camera = await start(options);
  t.teardown(() => camera.stop());
  return camera;
}
