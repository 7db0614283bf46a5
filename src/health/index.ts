// Camera health in the cloud: where operators look without logging in to the device.
//
// - publisher.ts: HealthPublisher reads each camera's state from the owners' read-only views and
//   publishes a state message per camera on <prefix>/<thingName>/cameras/<cameraAssetId>/health (QoS 1,
//   IoT Core through the messaging seam), at most one per camera per minimum interval (latest state
//   wins); under Greengrass also CameraUp, UploadBacklog, IncomingBitrate and SourceRestarts per camera
//   on the aws.greengrass.Cloudwatch component's local topic cloudwatch/metric/put.
export {
  CLOUDWATCH_METRIC_TOPIC,
  HealthPublisher,
  METRICS_NAMESPACE,
  type HealthInput,
  type HealthMessage,
  type HealthPublisherOptions,
} from './publisher.js';
