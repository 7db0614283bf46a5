// Per-camera health, published where operators look: one MQTT message per camera state change on
// <prefix>/<thingName>/cameras/<cameraAssetId>/health (QoS 1, through IoT Core), and under Greengrass a
// few CloudWatch metrics per camera on the aws.greengrass.Cloudwatch component's local topic.
//
// The publisher polls the owners' read-only views; it owns no camera state. A camera's state message
// goes out at once when it is the first or when the minimum interval has passed since the last one;
// a change inside the interval waits, and what is sent when the interval is up is the state at that
// moment (latest wins), with how many changes it saw meanwhile. So a flapping camera costs one message
// per interval, and a flap that ends where it started costs none.
import type { Logger } from '../log/index.js';

/** One camera as the publisher reads it (a subset of the status endpoint's camera view). */
export interface HealthInput {
  assetId: string;
  streamName: string;
  /** The source state (starting, streaming, backing-off, failed, stopped). */
  state: string;
  record: boolean;
  live: boolean;
  lastError?: string;
  lastUploadError?: string;
  recordingDenied?: string;
  restarts: number;
  bytesPerSecond: number;
  backlogSeconds: number;
}

/** The message on the health topic (docs/operations.md, "Camera health in the cloud"). */
export interface HealthMessage {
  thingName: string;
  cameraAssetId: string;
  streamName?: string;
  /**
   * ok: doing what is wanted; idle: nothing is wanted now (outside schedules, no request); starting;
   * failing: the camera or the upload is in trouble (error says why); skipped: the camera cannot run
   * (its configuration or secret is wrong).
   */
  health: 'ok' | 'idle' | 'starting' | 'failing' | 'skipped';
  /** The problem in words, while health is failing or skipped. */
  error?: string;
  source?: string;
  recording: boolean;
  live: boolean;
  backlogSeconds: number;
  /** State changes seen since the previous message that were not sent on their own. */
  changesSinceLast: number;
  at: string;
}

export interface HealthPublisherOptions {
  thingName: string;
  /** First topic levels; the topic is `<topicPrefix>/<thingName>/cameras/<cameraAssetId>/health`. */
  topicPrefix: string;
  read(): { cameras: HealthInput[]; skipped: { assetId: string; message: string }[] };
  /** QoS 1 to AWS IoT Core. */
  publish(topic: string, payload: string): Promise<void>;
  /** The local publish/subscribe bus (under Greengrass); metrics are not sent without it. */
  publishLocal?: (topic: string, message: unknown) => Promise<void>;
  log: Logger;
  /** At most one state message per camera per this interval; default 60 s. */
  minIntervalMs?: number;
  /** How often states are read; default 2 s. */
  pollMs?: number;
  /** How often metrics are sent per camera; default 60 s (the CloudWatch resolution they land in). */
  metricsIntervalMs?: number;
  now?: () => number;
}

/** The aws.greengrass.Cloudwatch component's default input topic (its `PublishTopic`, local pub/sub). */
export const CLOUDWATCH_METRIC_TOPIC = 'cloudwatch/metric/put';
export const METRICS_NAMESPACE = 'KvsEdgeConnector';

interface CameraTrack {
  sentKey?: string;
  sentAt: number;
  lastKey?: string;
  changes: number;
  inFlight: boolean;
  lastRestarts?: number;
}

// A hub holds a few dozen cameras; more tracked entries than this means cameras came and went, and
// the oldest entries (cameras no longer seen) are dropped first.
const MAX_TRACKED = 1000;

export class HealthPublisher {
  readonly #o: HealthPublisherOptions;
  readonly #tracks = new Map<string, CameraTrack>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #metricsAt = 0;
  #publishWarned = false;
  #metricsWarned = false;
  #metricsPending = 0;
  #stopped = false;

  constructor(options: HealthPublisherOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  topicFor(cameraAssetId: string): string {
    return `${this.#o.topicPrefix}/${this.#o.thingName}/cameras/${cameraAssetId}/health`;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.poll();
    this.#timer = setInterval(() => this.poll(), this.#o.pollMs ?? 2_000);
  }

  /** Stops polling and waits (up to `graceMs`) for publishes already handed over. */
  async stop(graceMs = 1_000): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  /** Reads every camera once and sends what is due; start() calls it every pollMs. */
  poll(): void {
    if (this.#stopped) return;
    let view: ReturnType<HealthPublisherOptions['read']>;
    try {
      view = this.#o.read();
    } catch (err) {
      this.#o.log.debug({ err }, 'camera health not readable yet');
      return;
    }
    const now = this.#now();
    const messages: HealthMessage[] = [
      ...view.cameras.map((c) => this.#message(c, now)),
      ...view.skipped.map((s): HealthMessage => ({
        thingName: this.#o.thingName,
        cameraAssetId: s.assetId,
        health: 'skipped',
        error: s.message,
        recording: false,
        live: false,
        backlogSeconds: 0,
        changesSinceLast: 0,
        at: new Date(now).toISOString(),
      })),
    ];
    for (const message of messages) this.#maybeSend(message, now);
    const seen = new Set(messages.map((m) => m.cameraAssetId));
    for (const id of this.#tracks.keys()) {
      if (this.#tracks.size <= MAX_TRACKED) break;
      if (!seen.has(id)) this.#tracks.delete(id);
    }
    const every = this.#o.metricsIntervalMs ?? 60_000;
    // A batch still unanswered (a stuck nucleus) holds the next one back, so nothing piles up.
    if (this.#o.publishLocal && this.#metricsPending === 0 && now - this.#metricsAt >= every) {
      this.#metricsAt = now;
      for (const camera of view.cameras) this.#sendMetrics(camera, now);
    }
  }

  #message(c: HealthInput, now: number): HealthMessage {
    const problem =
      c.state === 'backing-off' || c.state === 'failed'
        ? (c.lastError ?? `camera source ${c.state}`)
        : (c.recordingDenied ?? (c.record || c.live ? c.lastUploadError : undefined));
    const health: HealthMessage['health'] = problem
      ? 'failing'
      : c.state === 'starting'
        ? 'starting'
        : !c.record && !c.live
          ? 'idle'
          : c.state === 'streaming'
            ? 'ok'
            : 'starting';
    return {
      thingName: this.#o.thingName,
      cameraAssetId: c.assetId,
      streamName: c.streamName,
      health,
      ...(problem && { error: problem }),
      source: c.state,
      recording: c.record,
      live: c.live,
      backlogSeconds: c.backlogSeconds,
      changesSinceLast: 0,
      at: new Date(now).toISOString(),
    };
  }

  #maybeSend(message: HealthMessage, now: number): void {
    // What an operator acts on; rates and backlog change all the time and ride along.
    const key = JSON.stringify([message.health, message.error, message.recording, message.live]);
    let track = this.#tracks.get(message.cameraAssetId);
    if (!track) {
      track = { sentAt: -Infinity, changes: 0, inFlight: false };
      this.#tracks.set(message.cameraAssetId, track);
    }
    if (track.lastKey !== undefined && track.lastKey !== key) track.changes++;
    track.lastKey = key;
    if (key === track.sentKey || track.inFlight) return;
    if (now - track.sentAt < (this.#o.minIntervalMs ?? 60_000)) return;
    // The change that made this message is not counted as an unsent one.
    message.changesSinceLast = Math.max(0, track.changes - 1);
    track.sentKey = key;
    track.sentAt = now;
    track.changes = 0;
    track.inFlight = true;
    const topic = this.topicFor(message.cameraAssetId);
    const sent = this.#o
      .publish(topic, JSON.stringify(message))
      .then(
        () => {
          this.#publishWarned = false;
        },
        (err: unknown) => {
          // Not taken: forget it was sent, so the state goes out again at the next chance.
          track.sentKey = undefined;
          if (!this.#publishWarned) {
            this.#publishWarned = true;
            this.#o.log.warn(
              { err, topic },
              'camera health could not be published (allow iot:Publish on the health topic; see docs/deploy.md)',
            );
          }
        },
      )
      .finally(() => {
        track.inFlight = false;
        this.#inFlight.delete(sent);
      });
    this.#inFlight.add(sent);
  }

  #sendMetrics(c: HealthInput, now: number): void {
    const track = this.#tracks.get(c.assetId);
    const restarts = track?.lastRestarts === undefined ? 0 : Math.max(0, c.restarts - track.lastRestarts);
    if (track) track.lastRestarts = c.restarts;
    const dimensions = [
      { name: 'ThingName', value: this.#o.thingName },
      { name: 'CameraAssetId', value: c.assetId },
    ];
    const metrics: [string, number, string][] = [
      ['CameraUp', c.state === 'streaming' ? 1 : 0, 'Count'],
      ['UploadBacklog', c.backlogSeconds, 'Seconds'],
      ['IncomingBitrate', c.bytesPerSecond, 'Bytes/Second'],
      ['SourceRestarts', restarts, 'Count'],
    ];
    for (const [metricName, value, unit] of metrics) {
      // aws.greengrass.Cloudwatch takes one datum per message; timestamp in epoch seconds.
      const message = {
        request: {
          namespace: METRICS_NAMESPACE,
          metricData: { metricName, dimensions, timestamp: Math.floor(now / 1000), value, unit },
        },
      };
      this.#metricsPending++;
      const sent = this.#o.publishLocal!(CLOUDWATCH_METRIC_TOPIC, message)
        .then(
          () => {
            this.#metricsWarned = false;
          },
          (err: unknown) => {
            if (this.#metricsWarned) return;
            this.#metricsWarned = true;
            this.#o.log.warn(
              { err, topic: CLOUDWATCH_METRIC_TOPIC },
              'camera metrics could not be published locally (the recipe must allow aws.greengrass#PublishToTopic on cloudwatch/metric/put)',
            );
          },
        )
        .finally(() => {
          this.#metricsPending--;
          this.#inFlight.delete(sent);
        });
      this.#inFlight.add(sent);
    }
  }
}
