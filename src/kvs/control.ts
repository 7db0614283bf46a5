// Stream provisioning and data-endpoint discovery, written against the small StreamControl
// interface so the logic does not depend on the SDK (src/aws/kinesis-video.ts adapts KinesisVideoClient).
//
// Ensure-stream follows PIC: Describe -> (not found: Create, then Describe until ACTIVE) -> Tag.
// An existing stream is never recreated or changed, except for tags.
import type { TrackInfo } from '../mkv/fragment.js';
import { delay } from '../time/index.js';
import { StreamProvisionError } from './errors.js';

/** What DescribeStream tells us about a stream. */
export interface StreamDescription {
  name: string;
  arn: string;
  status: string;
  retentionHours: number;
  mediaType?: string;
}

/** Parameters for CreateStream. */
export interface CreateStreamSpec {
  name: string;
  retentionHours: number;
  mediaType: string;
  tags: Record<string, string>;
}

/** The KVS control-plane calls the uploader needs. */
export interface StreamControl {
  /** undefined when the stream does not exist (ResourceNotFoundException). */
  describe(name: string): Promise<StreamDescription | undefined>;
  /** Creates the stream; resolves also when someone else created it first (ResourceInUseException). */
  create(spec: CreateStreamSpec): Promise<void>;
  tag(arn: string, tags: Record<string, string>): Promise<void>;
  /** GetDataEndpoint(PUT_MEDIA): e.g. https://s-1234.kinesisvideo.us-east-1.amazonaws.com */
  getPutMediaEndpoint(name: string): Promise<string>;
  /**
   * ListFragments by PRODUCER timestamp through the archived-media endpoint: the fragments KVS holds
   * whose producer timestamp lies in [startMs, endMs] (both inclusive, as the API takes them). Without
   * it the uploader cannot tell what an interrupted session delivered and resends it (see docs/kvs.md).
   */
  listFragments?(name: string, startMs: number, endMs: number): Promise<HeldFragment[]>;
}

/** One fragment KVS holds, as ListFragments describes it. */
export interface HeldFragment {
  fragmentNumber: string;
  producerTimestampMs: number;
  durationMs: number;
}

/** What ensureStream needs beyond the stream name. */
export interface EnsureStreamOptions {
  /** DataRetentionInHours for a stream we create (StreamRetentionInHours). */
  retentionHours: number;
  mediaType: string;
  tags?: Record<string, string>;
  signal?: AbortSignal;
  /** Longest DescribeStream poll interval while CREATING (polls start at 100 ms and double); 1 s default. */
  pollMs?: number;
  /** Give up waiting for ACTIVE after this long; default 2 min. */
  activeTimeoutMs?: number;
}

/** Makes sure the stream exists, is ACTIVE, keeps media, and carries our tags. */
export async function ensureStream(
  control: StreamControl,
  name: string,
  options: EnsureStreamOptions,
): Promise<StreamDescription> {
  const pollMs = options.pollMs ?? 1000;
  // Streams usually turn ACTIVE within a second or two; 100 ms doubling stays under the 5 TPS quota.
  let wait = Math.min(100, pollMs);
  const deadline = Date.now() + (options.activeTimeoutMs ?? 120_000);
  let stream = await control.describe(name);
  if (!stream) {
    await control.create({
      name,
      retentionHours: options.retentionHours,
      mediaType: options.mediaType,
      tags: options.tags ?? {},
    });
    stream = await control.describe(name);
  }
  while (!stream || stream.status !== 'ACTIVE') {
    if (stream?.status === 'DELETING') {
      throw new StreamProvisionError(
        'KVS_STREAM_DELETING',
        `KVS stream ${name} is being deleted; wait until it is gone so it can be recreated, or use another stream name`,
      );
    }
    if (Date.now() > deadline) {
      throw new StreamProvisionError(
        'KVS_STREAM_NOT_ACTIVE',
        `KVS stream ${name} did not become ACTIVE (status ${stream?.status ?? 'missing'}); check it in the KVS console`,
      );
    }
    await delay(wait, options.signal);
    wait = Math.min(pollMs, wait * 2);
    stream = await control.describe(name);
  }
  if (stream.retentionHours <= 0) {
    throw new StreamProvisionError(
      'KVS_STREAM_NO_RETENTION',
      `KVS stream ${name} has data retention 0: HLS playback and uploads of recorded video need retention; ` +
        'raise it with UpdateDataRetention (console: stream > Data retention) or use another stream',
    );
  }
  if (options.tags && Object.keys(options.tags).length > 0) await control.tag(stream.arn, options.tags);
  return stream;
}

/** KVS MediaType for the tracks of a stream header, e.g. video/h264 or video/h265,audio/aac. */
export function mediaTypeFor(tracks: readonly TrackInfo[]): string {
  const parts: string[] = [];
  for (const t of tracks) {
    if (t.codecId === 'V_MPEG4/ISO/AVC') parts.push('video/h264');
    else if (t.codecId === 'V_MPEGH/ISO/HEVC') parts.push('video/h265');
    else if (t.codecId === 'A_AAC' || t.codecId.startsWith('A_AAC/')) parts.push('audio/aac');
    else if (t.codecId === 'A_MS/ACM') {
      // WAVEFORMATEX wFormatTag: 6 = A-law, 7 = mu-law.
      const tag = t.codecPrivate && t.codecPrivate.length >= 2 ? t.codecPrivate.readUInt16LE(0) : 6;
      parts.push(tag === 7 ? 'audio/mulaw' : 'audio/alaw');
    }
  }
  return parts.length > 0 ? parts.join(',') : 'video/h264';
}

// The C producer refreshes every 40 minutes; the service suggests re-resolving at least every 45.
const ENDPOINT_TTL_MS = 40 * 60 * 1000;

/** GetDataEndpoint(PUT_MEDIA) result, cached up to 40 min and dropped after connection trouble. */
export class DataEndpointCache {
  readonly #control: StreamControl;
  readonly #name: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #value: { endpoint: string; at: number } | undefined;

  constructor(control: StreamControl, name: string, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#control = control;
    this.#name = name;
    this.#ttlMs = options.ttlMs ?? ENDPOINT_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    const v = this.#value;
    if (v && this.#now() - v.at < this.#ttlMs) return v.endpoint;
    const endpoint = await this.#control.getPutMediaEndpoint(this.#name);
    this.#value = { endpoint, at: this.#now() };
    return endpoint;
  }

  /** Connection error, InvalidEndpointException or 404: resolve again next time. */
  invalidate(): void {
    this.#value = undefined;
  }
}
