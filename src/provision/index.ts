// Provisioning: the cloud side a device needs, made from a file instead of console clicks.
//
// - file: reads the reference's getting-started resource_configure.yml as it is, or our own format
//   (Hub + Cameras), and names every mistake with its line and column before anything is sent.
// - apply: creates or updates, idempotently, the reference's hub and camera asset models, the assets,
//   their attribute values, the VideoUploadRequest notification, the camera secrets, the KVS streams and
//   the hub-camera associations; a dry run reports the same plan without writing.
// - twinmaker: with a TwinMaker section, one entity per camera with the edge video component bound to
//   its asset (the player finds the stream through it); the TwinMaker SDK loads only then.
// - policy: the IAM policy the device role needs for what the component calls.
// - assets/models: the building blocks (also used by tests and the demo to set up one camera).
export {
  CAMERA_TYPE,
  DEFAULT_STREAM_RETENTION_HOURS,
  HUB_TYPE,
  ProvisionFileError,
  parseProvisionFile,
  type CameraSpec,
  type FileProblem,
  type HubSpec,
  type ProvisionSpec,
} from './file.js';
export {
  applyProvision,
  ProvisionError,
  type Change,
  type ProvisionClients,
  type ProvisionResult,
} from './apply.js';
export { devicePolicy, type PolicyDocument, type PolicyOptions } from './policy.js';
export {
  provisionCamera,
  provisionHub,
  putAttributes,
  type AttributeValues,
  type ProvisionCameraOptions,
  type ProvisionedCamera,
  type ProvisionedHub,
  type ProvisionHubOptions,
} from './assets.js';
export { ensureCameraModel, ensureHubModel, findCameraModel, findHubModel } from './models.js';
export {
  cameraEntityId,
  DEFAULT_VIDEO_COMPONENT,
  EDGE_VIDEO_COMPONENT_TYPE,
  provisionTwinMaker,
  type TwinMakerSpec,
} from './twinmaker.js';
