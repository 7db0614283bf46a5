// SiteWise adapter: the connector's whole configuration and its conversation with the TwinMaker video
// player go through SiteWise assets.
//
// - discovery: the hub asset (SiteWiseAssetIdForHub, else `externalId:<thing name>`, model name
//   starting with EdgeConnectorForKVSHubModel), every asset associated with it through any hierarchy
//   (all pages), and each camera's attributes validated into a CameraConfig. A bad camera is reported
//   with a message naming asset, property and value, and skipped; the others are returned.
// - requests: VideoUploadRequest values (`live`, `<startMs>-<endMs>`), the PropertyValueUpdate
//   notifications that carry them, and RequestSubscriptions, which owns one subscription per camera
//   (an injected subscribe function, or a poller when notifications are disabled) so a
//   re-subscription replaces the old one. What a camera does with a request is camera/'s business.
// - Status ranges written back to SiteWise live in status/, which builds on this folder.
// - Provisioning (models, assets, secrets, associations) lives in provision/, which builds on this
//   folder's contract.
export { createSiteWiseClient, type SiteWiseClientOptions } from './client.js';
export {
  CAMERA_HIERARCHY,
  CAMERA_MODEL_PREFIX,
  CAMERA_MODEL_PROPERTIES,
  CameraProperty,
  HUB_MODEL_PREFIX,
  type CameraPropertySpec,
} from './contract.js';
export { awsErrorName, describeError, HubError, RequestError } from './errors.js';
export type {
  CameraConfig,
  CameraVodConfig,
  RequestSource,
  ScheduleCheck,
  ScheduleSpec,
} from './camera-config.js';
export { VOD_OVERRIDE_ATTRIBUTES } from './contract.js';
export { putStringValue } from './string-value.js';
export {
  describeHub,
  discoverCameras,
  hubReference,
  listCameraAssetIds,
  type Discovery,
  type DiscoveryOptions,
  type DiscoveryProblem,
  type HubInfo,
} from './discovery.js';
export { quartzScheduleCheck } from './schedule-check.js';
export {
  parseNotification,
  parseRequest,
  type ParseRequestOptions,
  type PropertyNotification,
  type RequestValue,
  type UploadRequest,
} from './requests.js';
export {
  RequestSubscriptions,
  type RequestSubscriptionsOptions,
  type Subscribe,
  type Unsubscribe,
} from './subscriptions.js';
