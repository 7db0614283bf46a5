// One camera's life: desired state from schedules and requests (desired.ts), converged by a
// reconcile loop over the running parts (controller.ts), with every range the camera owes KVS in its
// one bounded, de-duplicated upload queue (uploads.ts). The parts arrive as small ports the
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
export { UploadQueue, coalesce, MAX_UPLOAD_JOBS, MAX_OWED_JOBS, MAX_FUTURE_MS } from './uploads.js';
export type { RangeUploaderPort, RecordingIndexPort, UploadOrigin, UploadQueueOptions } from './uploads.js';
