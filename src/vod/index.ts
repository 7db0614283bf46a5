// MediaPackage VOD publishing of cached clips (optional; off unless the `Vod` key is configured).
//
// A clip [start, end) of one camera is read from the recording store and remuxed, never re-encoded,
// into MPEG-TS HLS by one gst-launch-1.0 run (clip.ts). The media playlist is rewritten as a finished
// VOD playlist and a parent playlist names the codecs from the camera's own parameter sets (codecs.ts,
// playlist.ts). Everything goes to S3 under <prefix>/<thing>/<camera>/<clipStartUtc>/ with the parent
// playlist last, skipping objects already there (upload.ts), and only then does CreateAsset run,
// idempotently, followed by DescribeAsset polling until the egress endpoints are PLAYABLE or one
// FAILED (asset.ts). publishClip (publish.ts) strings this together and returns a VodStatus whatever
// happens. The operator side: setupPackagingGroup (setup.ts) creates the group and its HLS/DASH/CMAF
// configurations, harvestAsset (harvest.ts, with hls.ts and dash.ts parsers) downloads the packaged
// outputs, vodOverview (status.ts) lists groups, configurations and assets. See docs/vod.md.
export { VodError, type VodErrorCode } from './errors.js';
export {
  parseVodConfig,
  vodSettingsFor,
  CAMERA_OVERRIDES,
  type VodConfig,
  type VodSettings,
} from './config.js';
export { createVodClients, VOD_ENDPOINT_ENV, type VodClients, type VodClientOptions } from './clients.js';
export { assetIdFor, clipKeyPrefix, compactUtc, s3ObjectArn } from './naming.js';
export { avcCodecString, hevcCodecString, aacCodecString, type StreamDescription } from './codecs.js';
export { mediaSegments, vodMediaPlaylist, parentPlaylist, bandwidth, type MediaSegment } from './playlist.js';
export {
  packageClip,
  PARENT_PLAYLIST,
  MEDIA_PLAYLIST,
  type FragmentSource,
  type PackagedClip,
  type PackagedFile,
  type PackageOptions,
} from './clip.js';
export { uploadFiles, type UploadOptions, type UploadResult } from './upload.js';
export {
  checkPackagingGroup,
  createAssetOnce,
  waitForAsset,
  POLL_DEFAULTS,
  type AssetOutcome,
  type AssetRequest,
  type Egress,
  type PollOptions,
} from './asset.js';
export {
  publishClip,
  statusMeasurementValue,
  type PublishDeps,
  type PublishRequest,
  type VodState,
  type VodStatus,
} from './publish.js';
export { setupPackagingGroup, defaultConfigurations, type SetupOptions, type SetupResult } from './setup.js';
export { hlsReferences, parseAttributes, type HlsReferences } from './hls.js';
export { dashReferences, fillTemplate, isoDurationSeconds, parseXml } from './dash.js';
export {
  harvestAsset,
  harvestManifest,
  cdnHeaders,
  folderSink,
  s3Sink,
  manifestKind,
  type HarvestSink,
  type HarvestOptions,
  type HarvestProgress,
  type HarvestClients,
  type ManifestHarvest,
} from './harvest.js';
export {
  vodOverview,
  formatOverview,
  type VodOverview,
  type GroupView,
  type ConfigurationView,
  type AssetView,
} from './status.js';
export { recordingsReader, recordedCameras } from './recordings.js';
