// The SiteWise model contract shared with the reference component and the TwinMaker video player.
// Names are the reference's exactly (users point us at the models they already have); they are
// matched case-insensitively, as the reference does.
import type { PropertyDataType } from '@aws-sdk/client-iotsitewise';

/** Every hub model's name starts with this; the getting-started script appends `-xxxx`. */
export const HUB_MODEL_PREFIX = 'EdgeConnectorForKVSHubModel';
/** Camera model name prefix (not enforced on discovery, as in the reference; used by provisioning). */
export const CAMERA_MODEL_PREFIX = 'EdgeConnectorForKVSCameraModel';
/** The hub model's hierarchy to the camera model. Discovery follows every hierarchy, not only this one. */
export const CAMERA_HIERARCHY = 'ConnectedCameras';
/** The hub model's only attribute (free text, unused by the connector). */
export const HUB_NAME_PROPERTY = 'HubName';

/** Camera model property names. */
export const CameraProperty = {
  streamName: 'KinesisVideoStreamName',
  secretArn: 'RTSPStreamSecretARN',
  retentionMinutes: 'LocalDataRetentionPeriodInMinutes',
  liveStart: 'LiveStreamingStartTime',
  liveDuration: 'LiveStreamingDurationInMinutes',
  captureStart: 'CaptureStartTime',
  captureDuration: 'CaptureDurationInMinutes',
  uploadRequest: 'VideoUploadRequest',
  uploadedRange: 'VideoUploadedTimeRange',
  recordedRange: 'VideoRecordedTimeRange',
  cachedRange: 'CachedVideoAgeOutOnEdge',
  // Ours, optional: read only when the camera model has them (Edge Agent parity).
  maxLocalMediaSizeInMB: 'MaxLocalMediaSizeInMB',
  deleteAfterUpload: 'DeleteAfterUpload',
  // Ours, optional: MediaPackage VOD publishing of cached clips (docs/vod.md).
  vodRequest: 'VodIngestRequest',
  vodStatus: 'VodAssetStatus',
  vodStart: 'VodPublishStartTime',
  vodDuration: 'VodPublishDurationInMinutes',
} as const;

/** Optional camera attributes that override the component's Vod settings (see src/vod). */
export const VOD_OVERRIDE_ATTRIBUTES = [
  'VodS3Prefix',
  'VodPackagingGroupId',
  'VodSegmentDurationSeconds',
] as const;

/** One property of the camera model as the getting-started script creates it. */
export interface CameraPropertySpec {
  name: string;
  dataType: PropertyDataType;
  kind: 'attribute' | 'measurement';
  /** The model's attribute default (the reference's getting-started values). */
  defaultValue?: string;
}

/** The reference camera model, property by property (reference-component.md §2.1). */
export const CAMERA_MODEL_PROPERTIES: readonly CameraPropertySpec[] = [
  {
    name: CameraProperty.streamName,
    dataType: 'STRING',
    kind: 'attribute',
    defaultValue: '<Replace with KVS stream name>',
  },
  {
    name: CameraProperty.secretArn,
    dataType: 'STRING',
    kind: 'attribute',
    defaultValue: '<Replace with Secret Arn including RTSP Stream URL>',
  },
  { name: CameraProperty.retentionMinutes, dataType: 'INTEGER', kind: 'attribute', defaultValue: '60' },
  { name: CameraProperty.liveStart, dataType: 'STRING', kind: 'attribute', defaultValue: '-' },
  { name: CameraProperty.liveDuration, dataType: 'INTEGER', kind: 'attribute', defaultValue: '0' },
  { name: CameraProperty.captureStart, dataType: 'STRING', kind: 'attribute', defaultValue: '-' },
  { name: CameraProperty.captureDuration, dataType: 'INTEGER', kind: 'attribute', defaultValue: '0' },
  { name: CameraProperty.uploadRequest, dataType: 'STRING', kind: 'measurement' },
  { name: CameraProperty.uploadedRange, dataType: 'DOUBLE', kind: 'measurement' },
  { name: CameraProperty.recordedRange, dataType: 'DOUBLE', kind: 'measurement' },
  { name: CameraProperty.cachedRange, dataType: 'DOUBLE', kind: 'measurement' },
];

/** Compare property names the way the reference does. */
export function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
