// kvs/'s StreamControl port on top of @aws-sdk/client-kinesis-video, so kvs/ never imports the SDK.
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  TagStreamCommand,
} from '@aws-sdk/client-kinesis-video';
import {
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from '@aws-sdk/client-kinesis-video-archived-media';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { CreateStreamSpec, HeldFragment, StreamControl, StreamDescription } from '../kvs/index.js';

// ListFragments pages; 1000 is the API's largest page.
const LIST_PAGE = 1000;
// A range asked about after a cut covers a few minutes of fragments at most; this bounds a runaway.
const LIST_MAX_PAGES = 20;

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** Adapts a KinesisVideoClient (region, credentials and endpoint already configured) to StreamControl. */
export function sdkStreamControl(client: KinesisVideoClient): StreamControl & { destroy(): void } {
  // One archived-media client per data endpoint (streams of one account usually share one).
  const archived = new Map<string, KinesisVideoArchivedMediaClient>();
  const archivedClient = (endpoint: string): KinesisVideoArchivedMediaClient => {
    let c = archived.get(endpoint);
    if (!c) {
      c = new KinesisVideoArchivedMediaClient({
        region: client.config.region,
        credentials: client.config.credentials,
        endpoint,
      });
      archived.set(endpoint, c);
    }
    return c;
  };
  return {
    destroy() {
      for (const c of archived.values()) c.destroy();
      archived.clear();
    },
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
    async listFragments(name: string, startMs: number, endMs: number): Promise<HeldFragment[]> {
      const ep = await client.send(
        new GetDataEndpointCommand({ StreamName: name, APIName: 'LIST_FRAGMENTS' }),
      );
      if (!ep.DataEndpoint) throw new Error(`GetDataEndpoint returned no endpoint for KVS stream ${name}`);
      const media = archivedClient(ep.DataEndpoint);
      const held: HeldFragment[] = [];
      let token: string | undefined;
      for (let page = 0; page < LIST_MAX_PAGES; page++) {
        const out = await media.send(
          new ListFragmentsCommand({
            StreamName: name,
            MaxResults: LIST_PAGE,
            ...(token
              ? { NextToken: token }
              : {
                  FragmentSelector: {
                    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
                    TimestampRange: { StartTimestamp: new Date(startMs), EndTimestamp: new Date(endMs) },
                  },
                }),
          }),
        );
        for (const f of out.Fragments ?? []) {
          if (!f.ProducerTimestamp || !f.FragmentNumber) continue;
          held.push({
            fragmentNumber: f.FragmentNumber,
            producerTimestampMs: f.ProducerTimestamp.getTime(),
            durationMs: f.FragmentLengthInMilliseconds ?? 0,
          });
        }
        token = out.NextToken;
        if (!token) return held;
      }
      throw new Error(`ListFragments for KVS stream ${name} returned more than ${LIST_MAX_PAGES} pages`);
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
  const control = sdkStreamControl(client);
  return {
    ...control,
    destroy: () => {
      control.destroy();
      client.destroy();
    },
  };
}
