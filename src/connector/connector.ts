// The Connector owns one CameraRuntime per camera found under the hub and keeps that set equal to
// what SiteWise says: on start, every ConfigRefreshSeconds, and whenever asked (a notification that
// an attribute changed). A diff decides per camera: start it, stop it, update it in place (schedules,
// retention), or rebuild it (stream name, secret or URL changed). One camera's failure — a bad
// attribute, an unreadable secret, a camera that refuses us — never touches another.
//
// Where the user enabled notifications on a camera's attribute properties, the Connector also
// subscribes to their topics and refreshes shortly after one changes, instead of waiting for the
// next periodic refresh (AttributeWatch).
import type { Logger } from '../log/index.js';
import type { CameraConfig, Discovery } from '../sitewise/index.js';
import { AttributeWatch, type WatchTopic } from './attribute-watch.js';
import { CameraRuntime, needsRestart, type CameraRuntimeDeps } from './camera-runtime.js';

export interface ConnectorOptions extends CameraRuntimeDeps {
  /** Reads the hub and its cameras; `prefer` keeps running cameras' stream names on duplicates. */
  discover(prefer: string[]): Promise<Discovery>;
  /** The RTSP URL in a camera's secret (retries inside; throws when it cannot be read). */
  resolveUrl(camera: CameraConfig, signal: AbortSignal): Promise<string>;
  /** Greengrass lifecycle state; absent standalone. */
  reportState?(state: 'RUNNING' | 'ERRORED'): Promise<void>;
  refreshMs: number;
  healthEveryMs?: number;
  /** Subscribes to an attribute's notification topic (hot reload at once); absent = periodic only. */
  watchTopic?: WatchTopic;
  /** Quiet time after an attribute notification before refreshing (one console edit writes several). */
  watchDebounceMs?: number;
}

export interface ConnectorSummary {
  hub?: string;
  running: string[];
  skipped: { assetId: string; message: string }[];
}

export class Connector {
  readonly #o: ConnectorOptions;
  readonly #log: Logger;
  readonly #cameras = new Map<string, CameraRuntime>();
  readonly #abort = new AbortController();
  #skipped: { assetId: string; message: string }[] = [];
  #hub: string | undefined;
  #chain: Promise<void> = Promise.resolve();
  #refreshTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #onDeleted = (e: { cameraId: string }) => this.#cameras.get(e.cameraId)?.reportCached();
  #stopped = false;
  #lastState: string | undefined;
  readonly #watch: AttributeWatch | undefined;

  constructor(options: ConnectorOptions) {
    this.#o = options;
    this.#log = options.log;
    if (options.watchTopic) {
      this.#watch = new AttributeWatch({
        subscribe: options.watchTopic,
        onChange: () => void this.refresh(),
        debounceMs: options.watchDebounceMs ?? 500,
        log: options.log,
      });
    }
  }

  async start(): Promise<void> {
    this.#o.store.events.on('deleted', this.#onDeleted);
    await this.refresh();
    this.#healthTimer = setInterval(() => this.#healthReport(), this.#o.healthEveryMs ?? 60_000);
  }

  /** Re-reads SiteWise and converges the running cameras on it; serialized with other refreshes. */
  refresh(): Promise<void> {
    this.#chain = this.#chain
      .then(() => this.#refresh())
      .catch((err) => {
        this.#log.error({ err }, 'configuration refresh failed; keeping the cameras as they are');
      });
    return this.#chain;
  }

  summary(): ConnectorSummary {
    return {
      ...(this.#hub && { hub: this.#hub }),
      running: [...this.#cameras.keys()],
      skipped: this.#skipped,
    };
  }

  camera(assetId: string): CameraRuntime | undefined {
    return this.#cameras.get(assetId);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    clearTimeout(this.#refreshTimer);
    clearInterval(this.#healthTimer);
    await this.#chain;
    await this.#watch?.close();
    this.#o.store.events.off('deleted', this.#onDeleted);
    await Promise.allSettled([...this.#cameras.values()].map((c) => c.stop()));
    this.#cameras.clear();
  }

  async #refresh(): Promise<void> {
    if (this.#stopped) return;
    clearTimeout(this.#refreshTimer);
    try {
      await this.#converge();
    } finally {
      if (!this.#stopped) this.#refreshTimer = setTimeout(() => void this.refresh(), this.#o.refreshMs);
    }
  }

  async #converge(): Promise<void> {
    let discovery: Discovery;
    try {
      discovery = await this.#o.discover([...this.#cameras.keys()]);
    } catch (err) {
      this.#log.error({ err }, 'cannot read the hub and its cameras from SiteWise');
      if (this.#cameras.size === 0) await this.#state('ERRORED');
      return;
    }
    this.#hub = discovery.hub.assetId;
    const skipped = [...discovery.problems];
    const wanted = new Map(discovery.cameras.map((c) => [c.assetId, c]));
    for (const [id, runtime] of this.#cameras) {
      if (wanted.has(id)) continue;
      this.#log.info({ cameraId: id }, 'camera left the hub (or became invalid); stopping it');
      this.#cameras.delete(id);
      await runtime.stop();
      this.#log.info({ cameraId: id }, 'removed camera stopped: recording closed, requests unsubscribed');
    }
    // Secrets are read all at once: one unreadable secret retries with backoff and must not hold up
    // the others.
    const urls = await Promise.allSettled(
      discovery.cameras.map((camera) => this.#o.resolveUrl(camera, this.#abort.signal)),
    );
    for (const [i, camera] of discovery.cameras.entries()) {
      if (this.#stopped) return;
      const resolved = urls[i]!;
      let url: string;
      if (resolved.status === 'fulfilled') {
        url = resolved.value;
      } else {
        const err: unknown = resolved.reason;
        const message = err instanceof Error ? err.message : String(err);
        skipped.push({ assetId: camera.assetId, message });
        this.#log.error(
          { cameraId: camera.assetId, reason: message },
          'camera skipped: its RTSP URL cannot be read',
        );
        continue;
      }
      const running = this.#cameras.get(camera.assetId);
      if (running && !needsRestart(running, camera, url)) {
        await running.update(camera);
        continue;
      }
      if (running) {
        this.#log.info({ cameraId: camera.assetId }, 'stream, secret or URL changed; restarting the camera');
        this.#cameras.delete(camera.assetId);
        await running.stop();
      }
      const runtime = new CameraRuntime(camera, url, this.#o);
      try {
        await runtime.start();
        this.#cameras.set(camera.assetId, runtime);
        if (!running)
          this.#log.info({ cameraId: camera.assetId, stream: camera.streamName }, 'camera started');
      } catch (err) {
        await runtime.stop().catch(() => undefined);
        const message = err instanceof Error ? err.message : String(err);
        skipped.push({ assetId: camera.assetId, message });
        this.#log.error({ cameraId: camera.assetId, err }, 'camera could not start');
      }
    }
    for (const p of skipped) this.#log.warn({ cameraId: p.assetId, reason: p.message }, 'camera skipped');
    this.#skipped = skipped;
    // Skipped cameras are watched too: fixing one is noticed at once.
    await this.#watch?.set([
      ...discovery.cameras.flatMap((c) => c.attributeTopics ?? []),
      ...discovery.problems.flatMap((p) => p.attributeTopics ?? []),
    ]);
    await this.#state(this.#cameras.size > 0 ? 'RUNNING' : 'ERRORED');
  }

  async #state(state: 'RUNNING' | 'ERRORED'): Promise<void> {
    if (state === this.#lastState || !this.#o.reportState) return;
    this.#lastState = state;
    try {
      await this.#o.reportState(state);
    } catch (err) {
      this.#log.warn({ err, state }, 'cannot report the component state to Greengrass');
    }
  }

  #healthReport(): void {
    for (const [id, runtime] of this.#cameras) {
      runtime.reportCached();
      this.#log.info(
        { cameraId: id, stream: runtime.camera.streamName, ...runtime.healthLine() },
        'camera health',
      );
    }
  }
}
