// The connector: every camera under the hub, each a CameraRuntime (controller + uploader + requests
// + status), kept equal to SiteWise by diffing on every refresh. main.ts builds the adapters (AWS
// clients, GStreamer sources, the store) and hands them in; nothing here creates an AWS client.
export { Connector, type ConnectorOptions, type ConnectorSummary } from './connector.js';
export {
  CameraRuntime,
  cameraPlan,
  windowSchedule,
  type CameraRuntimeDeps,
  type CameraSnapshot,
  type CameraSourceLike,
  type StreamUploaderLike,
} from './camera-runtime.js';
export { CameraVod, type VodPort, type CameraVodDeps } from './camera-vod.js';
export { LastKnownConfig, type LastKnown } from './last-known.js';
