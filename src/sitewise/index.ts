// SiteWise adapter: the connector's whole configuration and its conversation with the TwinMaker video
// player go through SiteWise assets.
//
// - discovery: the hub asset (SiteWiseAssetIdForHub, else `externalId:<thing name>`, model name
//   starting with EdgeConnectorForKVSHubModel), every asset associated with it through any hierarchy
//   (all pages), and each camera's attributes validated into a CameraConfig. A bad camera is reported
//   with a message naming asset, property and value, and skipped; the others are returned.
// - requests: VideoUploadRequest values (`live`, `<startMs>-<endMs>`), the PropertyValueUpdate
//   notifications that carry them, a per-camera queue that merges overlapping ranges, and
//   RequestSubscriptions, which owns one subscription per camera (an injected subscribe function, or
//   a poller when notifications are disabled) so a re-subscription replaces the old one.
// - status: CameraStatus turns recorded/uploaded/cached ranges into points the player reads
//   (timestamp = range start, value = range end in epoch seconds), and StatusOutbox delivers them
//   through a journal file that survives restarts and offline periods, in batches of at most 10.
export { createSiteWiseClient, type SiteWiseClientOptions } from './client.js';
export {
  CAMERA_HIERARCHY,
  CAMERA_MODEL_PREFIX,
  CAMERA_MODEL_PROPERTIES,
  CameraProperty,
  HUB_MODEL_PREFIX,
  type CameraPropertySpec,
} from './contract.js';
export { HubError, RequestError } from './errors.js';
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
  type TimeRange,
  type UploadRequest,
} from './requests.js';
export { CameraRequests, type CameraRequestsOptions } from './request-queue.js';
export {
  RequestSubscriptions,
  type RequestSubscriptionsOptions,
  type Subscribe,
  type Unsubscribe,
} from './subscriptions.js';
export {
  CameraStatus,
  RangeSeries,
  REANCHOR_AGE_MS,
  type CameraStatusOptions,
  type PointSink,
} from './status.js';
export { MAX_BATCH_ENTRIES, StatusOutbox, type StatusOutboxOptions, type StatusPoint } from './outbox.js';
// Provisioning moved to src/provision; these names stay here until every caller imports them there.
export {
  ensureCameraModel,
  ensureHubModel,
  provisionCamera,
  provisionHub,
  putAttributes,
  type AttributeValues,
  type ProvisionCameraOptions,
  type ProvisionAssetClients as ProvisionClients,
  type ProvisionedCamera,
  type ProvisionedHub,
  type ProvisionHubOptions,
} from '../provision/assets.js';
