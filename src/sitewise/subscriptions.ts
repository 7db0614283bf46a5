// Request delivery per camera: the VideoUploadRequest notification topic through an injected
// subscribe function (Greengrass IPC SubscribeToIoTCore or MQTT 5; the caller wires it), or, when
// notifications are disabled for the property, a poller of its latest value.
//
// One camera has at most one live subscription: set() replaces the previous one, and a handler that
// belongs to a replaced subscription drops what it receives, so a message is never handled twice even
// when an old unsubscribe is slow or fails. Values are also de-duplicated by their SiteWise timestamp,
// which covers the switch between notifications and polling.
import { GetAssetPropertyValueCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import type { Logger } from '../log/index.js';
import type { RequestSource } from './camera-config.js';
import { describeError, RequestError } from './errors.js';
import { compareValueTime, parseNotification, type RequestValue } from './requests.js';

/** Stops one subscription. */
export type Unsubscribe = () => void | Promise<void>;
/** Subscribe to an MQTT topic; the handler receives each message's payload. */
export type Subscribe = (
  topic: string,
  handler: (payload: Uint8Array | string) => void,
) => Unsubscribe | Promise<Unsubscribe>;

/** Options of RequestSubscriptions. */
export interface RequestSubscriptionsOptions {
  subscribe: Subscribe;
  /** Used by the poller when notifications are disabled. */
  client: IoTSiteWiseClient;
  /** Poll period; the player repeats `live` every 120 s, so 10 s keeps requests prompt at 6 calls/min. */
  pollIntervalMs?: number;
  log?: Logger;
  now?: () => number;
}

interface Entry {
  generation: number;
  source: RequestSource;
  stop: () => Promise<void>;
  mode: 'notifications' | 'polling';
  latest: { timeInSeconds: number; offsetInNanos: number } | undefined;
  seen: string[];
}

// Timestamps remembered per camera for de-duplication; a burst larger than this within one
// subscription is not a plausible request pattern.
const SEEN_LIMIT = 128;

/** Owns every camera's request subscription. */
export class RequestSubscriptions {
  readonly #options: RequestSubscriptionsOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #warnedPolling = new Set<string>();
  #generation = 0;
  #closed = false;

  constructor(options: RequestSubscriptionsOptions) {
    this.#options = options;
  }

  /** Start (or replace) a camera's request subscription; resolves once the old one is stopped. */
  set(cameraId: string, source: RequestSource, onValue: (value: RequestValue) => void): Promise<void> {
    return this.#serial(cameraId, async () => {
      if (this.#closed) throw new Error('request subscriptions are closed');
      const previous = this.#entries.get(cameraId);
      this.#entries.delete(cameraId);
      await previous?.stop();
      const sameProperty =
        previous?.source.assetId === source.assetId && previous.source.propertyId === source.propertyId;
      const entry: Entry = {
        generation: ++this.#generation,
        source,
        stop: async () => undefined,
        mode: 'notifications',
        latest: sameProperty ? previous.latest : undefined,
        seen: sameProperty ? previous.seen : [],
      };
      this.#entries.set(cameraId, entry);
      const deliver = (value: RequestValue): void => {
        if (this.#entries.get(cameraId)?.generation !== entry.generation) return;
        const key = `${value.timeInSeconds}.${value.offsetInNanos}`;
        if (entry.seen.includes(key)) return;
        entry.seen.push(key);
        if (entry.seen.length > SEEN_LIMIT) entry.seen.shift();
        if (entry.latest === undefined || compareValueTime(value, entry.latest) > 0) entry.latest = value;
        try {
          onValue(value);
        } catch (err) {
          this.#options.log?.error({ cameraId, err }, 'request handler failed');
        }
      };
      if (source.notifications === 'ENABLED' && source.topic !== undefined) {
        try {
          entry.stop = await this.#subscribe(cameraId, source, deliver);
          return;
        } catch (err) {
          this.#options.log?.error(
            { cameraId, topic: source.topic, err: describeError(err) },
            'subscribing to VideoUploadRequest notifications failed; polling the property instead',
          );
        }
      } else if (!this.#warnedPolling.has(cameraId)) {
        this.#warnedPolling.add(cameraId);
        this.#options.log?.warn(
          { cameraId, propertyId: source.propertyId },
          'VideoUploadRequest notifications are DISABLED for this camera; polling the property instead ' +
            '(enable them with UpdateAssetProperty propertyNotificationState=ENABLED for prompt requests)',
        );
      }
      entry.stop = this.#poll(cameraId, entry, deliver);
    });
  }

  /** Stop a camera's subscription. */
  remove(cameraId: string): Promise<void> {
    return this.#serial(cameraId, async () => {
      const entry = this.#entries.get(cameraId);
      this.#entries.delete(cameraId);
      this.#warnedPolling.delete(cameraId);
      await entry?.stop();
    });
  }

  /** Ids of cameras with a subscription. */
  get cameras(): string[] {
    return [...this.#entries.keys()];
  }

  /** How a camera currently receives requests. */
  mode(cameraId: string): 'notifications' | 'polling' | undefined {
    return this.#entries.get(cameraId)?.mode;
  }

  /** Stop everything. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#entries.keys()].map((id) => this.remove(id)));
  }

  async #subscribe(
    cameraId: string,
    source: RequestSource,
    deliver: (value: RequestValue) => void,
  ): Promise<() => Promise<void>> {
    const unsubscribe = await this.#options.subscribe(source.topic ?? '', (payload) => {
      try {
        const notification = parseNotification(payload);
        if (notification.propertyId !== source.propertyId) return;
        for (const value of notification.values) deliver(value);
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        this.#options.log?.warn({ cameraId, value: err.value }, `request ignored: ${err.message}`);
      }
    });
    this.#options.log?.info(
      { cameraId, topic: source.topic },
      'subscribed to VideoUploadRequest notifications',
    );
    return async () => {
      try {
        await unsubscribe();
      } catch (err) {
        // The generation check already stops delivery; a failed unsubscribe only costs a dead handler.
        this.#options.log?.warn({ cameraId, err: describeError(err) }, 'unsubscribe failed');
      }
    };
  }

  #poll(cameraId: string, entry: Entry, deliver: (value: RequestValue) => void): () => Promise<void> {
    const interval = this.#options.pollIntervalMs ?? 10_000;
    const now = this.#options.now ?? Date.now;
    entry.mode = 'polling';
    // A value written before this subscription began is history, not a request (unless a previous
    // subscription of the same property already saw values up to `latest`).
    const baselineMs = now() - interval;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let failures = 0;
    const once = async (): Promise<void> => {
      try {
        const out = await this.#options.client.send(
          new GetAssetPropertyValueCommand({
            assetId: entry.source.assetId,
            propertyId: entry.source.propertyId,
          }),
          { abortSignal: controller.signal },
        );
        failures = 0;
        const pv = out.propertyValue;
        const text = pv?.value?.stringValue;
        const seconds = pv?.timestamp?.timeInSeconds;
        if (text === undefined || seconds === undefined) return;
        const value = { text, timeInSeconds: seconds, offsetInNanos: pv?.timestamp?.offsetInNanos ?? 0 };
        const fresh =
          entry.latest !== undefined
            ? compareValueTime(value, entry.latest) > 0
            : seconds * 1000 + value.offsetInNanos / 1e6 >= baselineMs;
        if (fresh) deliver(value);
        else entry.latest ??= value;
      } catch (err) {
        if (controller.signal.aborted) return;
        // Log the first failure of a streak only; the poller keeps trying at its normal pace.
        if (failures++ === 0) {
          this.#options.log?.warn({ cameraId, err: describeError(err) }, 'polling VideoUploadRequest failed');
        }
      }
    };
    const loop = (): void => {
      running = once().finally(() => {
        if (!controller.signal.aborted) timer = setTimeout(loop, interval);
      });
    };
    loop();
    return async () => {
      controller.abort();
      clearTimeout(timer);
      await running;
    };
  }

  #serial(cameraId: string, task: () => Promise<void>): Promise<void> {
    const run = (this.#chains.get(cameraId) ?? Promise.resolve()).then(task, task);
    const settled = run.catch(() => undefined);
    this.#chains.set(cameraId, settled);
    void settled.then(() => {
      if (this.#chains.get(cameraId) === settled) this.#chains.delete(cameraId);
    });
    return run;
  }
}
