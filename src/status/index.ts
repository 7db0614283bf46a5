// Status: what the camera has recorded, uploaded and still caches, written back to SiteWise as the
// range points the TwinMaker video player reads, and delivered even across restarts and outages.
//
// - points: CameraStatus turns recorded/uploaded/cached ranges into points (timestamp = range start,
//   value = range end in epoch seconds). A growing range rewrites its point, a gap starts a new one,
//   and a point whose start would leave SiteWise's 7-day window is continued by a new point.
// - outbox: StatusOutbox sends points with BatchPutAssetPropertyValue, at most 10 per call, retrying
//   with the shared backoff while offline. A newer value for a waiting point replaces it, so an
//   outage sends one value per range, not one per minute.
// - journal: the outbox's append-only file, so waiting points survive a restart; compacted as it grows.
// - edge-chunks: the cached ranges each camera last reported, in a small file per camera, so chunks
//   whose video was deleted while the connector was stopped are retracted at the next start.
// - outbox-policy: SiteWise's rules the outbox follows (batch limit, time window, retriable errors).
//
// Builds on sitewise/ (client, error names, the camera's status property ids); sitewise/ never
// imports it. The connector owns one outbox and hands each camera a CameraStatus writing into it.
export {
  CameraStatus,
  RangeSeries,
  REANCHOR_AGE_MS,
  type CameraStatusOptions,
  type PointSink,
} from './points.js';
export { MAX_BATCH_ENTRIES, StatusOutbox, type StatusOutboxOptions, type StatusPoint } from './outbox.js';
export { EdgeChunkFiles, type EdgeChunkMemory } from './edge-chunks.js';
