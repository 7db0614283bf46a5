// Hot reload at once: the notification topics of camera attributes whose notifications are ENABLED
// (SiteWise publishes every new attribute value there). A message only says "something changed";
// the Connector then re-reads SiteWise as on a periodic refresh, after a short quiet time, because
// one edit in the console writes several attributes and each arrives as its own message.
import type { Logger } from '../log/index.js';

/** Subscribes to one MQTT topic; resolves to its unsubscribe. */
export type WatchTopic = (topic: string, onMessage: () => void) => Promise<() => Promise<void>>;

export interface AttributeWatchOptions {
  subscribe: WatchTopic;
  onChange(): void;
  debounceMs: number;
  log: Logger;
}

/** The set of watched attribute topics, kept equal to what the last discovery found. */
export class AttributeWatch {
  readonly #o: AttributeWatchOptions;
  readonly #subscribed = new Map<string, () => Promise<void>>();
  // A topic that could not be subscribed is retried on each refresh but reported once.
  readonly #failed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: AttributeWatchOptions) {
    this.#o = options;
  }

  get topics(): string[] {
    return [...this.#subscribed.keys()];
  }

  /** Subscribes to new topics and drops the ones no longer wanted. */
  async set(topics: readonly string[]): Promise<void> {
    if (this.#closed) return;
    const wanted = new Set(topics);
    for (const [topic, unsubscribe] of this.#subscribed) {
      if (wanted.has(topic)) continue;
      this.#subscribed.delete(topic);
      await this.#release(topic, unsubscribe);
    }
    for (const topic of wanted) {
      if (this.#subscribed.has(topic)) continue;
      try {
        this.#subscribed.set(topic, await this.#o.subscribe(topic, () => this.#changed()));
        this.#failed.delete(topic);
      } catch (err) {
        if (!this.#failed.has(topic)) {
          this.#failed.add(topic);
          this.#o.log.warn(
            { topic, err },
            'cannot subscribe to attribute notifications; changes are seen on the periodic refresh',
          );
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const all = [...this.#subscribed];
    this.#subscribed.clear();
    await Promise.all(all.map(([topic, unsubscribe]) => this.#release(topic, unsubscribe)));
  }

  #changed(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#o.log.info('camera attribute changed in SiteWise; refreshing');
      this.#o.onChange();
    }, this.#o.debounceMs);
  }

  async #release(topic: string, unsubscribe: () => Promise<void>): Promise<void> {
    try {
      await unsubscribe();
    } catch (err) {
      this.#o.log.warn({ topic, err }, 'unsubscribing from attribute notifications failed');
    }
  }
}
