// kvs/'s StreamControl port on top of @aws-sdk/client-kinesis-video, so kvs/ never imports the SDK.
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  TagStreamCommand,
} from '@aws-sdk/client-kinesis-video';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { CreateStreamSpec, StreamControl, StreamDescription } from '../kvs/index.js';

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** Adapts a KinesisVideoClient (region, credentials and endpoint already configured) to StreamControl. */
export function sdkStreamControl(client: KinesisVideoClient): StreamControl {
  return {
    async describe(name: string): Promise<StreamDescription | undefined> {
      try {
        const out = await client.send(new DescribeStreamCommand({ StreamName: name }));
        const info = out.StreamInfo;
        if (!info) return undefined;
        return {
          name: info.StreamName ?? name,
          arn: info.StreamARN ?? '',
          status: info.Status ?? 'UNKNOWN',
          retentionHours: info.DataRetentionInHours ?? 0,
          ...(info.MediaType ? { mediaType: info.MediaType } : {}),
        };
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    },
    async create(spec: CreateStreamSpec): Promise<void> {
      try {
        await client.send(
          new CreateStreamCommand({
            StreamName: spec.name,
            DataRetentionInHours: spec.retentionHours,
            MediaType: spec.mediaType,
            ...(Object.keys(spec.tags).length > 0 ? { Tags: spec.tags } : {}),
          }),
        );
      } catch (err) {
        // Another instance (or a retry of ours) created it first: that is what we wanted.
        if (errorName(err) !== 'ResourceInUseException') throw err;
      }
    },
    async tag(arn: string, tags: Record<string, string>): Promise<void> {
      await client.send(new TagStreamCommand({ StreamARN: arn, Tags: tags }));
    },
    async getPutMediaEndpoint(name: string): Promise<string> {
      const out = await client.send(new GetDataEndpointCommand({ StreamName: name, APIName: 'PUT_MEDIA' }));
      if (!out.DataEndpoint) throw new Error(`GetDataEndpoint returned no endpoint for KVS stream ${name}`);
      return out.DataEndpoint;
    },
  };
}

/** What the runtime knows when it builds the control-plane client. */
export interface KinesisVideoControlOptions {
  region: string;
  /** Override for the local cloud; AWS's regional endpoint when omitted. */
  endpoint?: string;
  credentials: AwsCredentialIdentityProvider;
}

/** A StreamControl over a new KinesisVideoClient; destroy() releases its sockets. */
export function kinesisVideoControl(
  options: KinesisVideoControlOptions,
): StreamControl & { destroy(): void } {
  const client = new KinesisVideoClient({
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return { ...sdkStreamControl(client), destroy: () => client.destroy() };
}
