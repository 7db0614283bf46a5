// AWS: adapters from AWS SDK v3 clients to the ports the inner folders declare, so kvs/ (like
// camera/, store/ and mkv/) never imports an SDK client and runs against any implementation of its
// port. main.ts builds the SDK clients (region, credentials, the local cloud's endpoint overrides)
// and hands them here.
//
// - kinesis-video: kvs/'s StreamControl (DescribeStream, CreateStream, TagStream, GetDataEndpoint)
//   over a KinesisVideoClient.
export { kinesisVideoControl, sdkStreamControl, type KinesisVideoControlOptions } from './kinesis-video.js';
