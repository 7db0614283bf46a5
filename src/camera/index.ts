// One camera's life: desired state from schedules and requests (desired.ts), converged by a
// reconcile loop over the running parts (controller.ts). The parts arrive as small ports the
// controller declares, so it never imports GStreamer, the store or an AWS client directly.
export { CameraController } from './controller.js';
export type {
  CameraControllerOptions,
  CameraHealth,
  CameraPorts,
  RecorderPort,
  SourcePort,
  UploaderPort,
} from './controller.js';
export { desiredAt, constantSchedule } from './desired.js';
export type { CameraPlan, Desired, WindowSchedule } from './desired.js';
export { RangeQueue } from './range-queue.js';
