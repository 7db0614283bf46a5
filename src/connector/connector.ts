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
import {
  CameraRuntime,
  needsRestart,
  type CameraRuntimeDeps,
  type CameraSnapshot,
} from './camera-runtime.js';
import type { LastKnownConfig } from './last-known.js';

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
  /** Where the last successful discovery is kept, for a start without uplink. */
  lastKnown?: LastKnownConfig;
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
  /** Running on the last-known configuration (discovery failed at start). */
  #offline = false;
  #discoveryFailing = false;
  readonly #stopping = new Map<string, Promise<void>>();
  #logged = new Map<string, string>();
  readonly #sharedWarned = new Set<string>();
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

  /** Read-only views of the running cameras, for the local status endpoint. */
  snapshot(): { hub?: string; cameras: CameraSnapshot[]; skipped: { assetId: string; message: string }[] } {
    return {
      ...(this.#hub && { hub: this.#hub }),
      cameras: [...this.#cameras.values()].map((c) => c.snapshot()),
      skipped: [...this.#skipped],
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
    await Promise.allSettled(this.#stopping.values());
  }

  // Two cameras on one secret pull the same RTSP source twice (one camera, two streams): allowed, but
  // rarely meant, so it is said once per set of cameras.
  #warnSharedSecrets(cameras: CameraConfig[]): void {
    const bySecret = new Map<string, string[]>();
    for (const c of cameras) bySecret.set(c.secretArn, [...(bySecret.get(c.secretArn) ?? []), c.assetId]);
    for (const [secretArn, ids] of bySecret) {
      const key = `${secretArn} ${ids.join(',')}`;
      if (ids.length < 2 || this.#sharedWarned.has(key)) continue;
      this.#sharedWarned.add(key);
      this.#log.warn(
        { secretArn, cameraIds: ids },
        'cameras share one RTSP secret: the same camera is pulled once per stream; give each camera its own secret unless that is meant',
      );
    }
  }

  // Each problem is logged once, and again only when its reason changes; a fixed camera says so.
  #reportSkipped(skipped: { assetId: string; message: string }[]): void {
    const now = new Map(skipped.map((p) => [p.assetId, p.message]));
    for (const [assetId, message] of now) {
      if (this.#logged.get(assetId) !== message)
        this.#log.error({ cameraId: assetId, reason: message }, `camera skipped: ${message}`);
    }
    for (const assetId of this.#logged.keys()) {
      if (!now.has(assetId)) this.#log.info({ cameraId: assetId }, 'camera no longer skipped');
    }
    this.#logged = now;
  }

  #stopInBackground(id: string, runtime: CameraRuntime): void {
    const previous = this.#stopping.get(id) ?? Promise.resolve();
    const done: Promise<void> = previous
      .then(() => runtime.stop())
      .then(() => this.#log.info({ cameraId: id }, 'camera stopped: recording closed, requests unsubscribed'))
      .catch((err: unknown) => this.#log.error({ cameraId: id, err }, 'camera did not stop cleanly'))
      .finally(() => {
        if (this.#stopping.get(id) === done) this.#stopping.delete(id);
      });
    this.#stopping.set(id, done);
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
      this.#offline = false;
      if (this.#discoveryFailing) this.#log.info('SiteWise answers again');
      this.#discoveryFailing = false;
      await this.#o.lastKnown?.save(discovery);
    } catch (err) {
      if (this.#cameras.size > 0 || this.#offline) {
        // Logged once per outage, not on every refresh.
        if (!this.#discoveryFailing)
          this.#log.error(
            { err },
            'cannot read the hub and its cameras from SiteWise; keeping the cameras as they are',
          );
        this.#discoveryFailing = true;
        return;
      }
      const saved = await this.#o.lastKnown?.load();
      if (!saved) {
        this.#log.error(
          { err },
          'cannot read the hub and its cameras from SiteWise, and no last-known configuration is saved',
        );
        await this.#state('ERRORED');
        return;
      }
      this.#offline = true;
      this.#log.warn(
        {
          err,
          file: this.#o.lastKnown?.file,
          savedAt: saved.savedAt,
          cameras: saved.discovery.cameras.length,
        },
        'SiteWise unreachable at start: running the last-known configuration until it answers',
      );
      discovery = saved.discovery;
    }
    this.#hub = discovery.hub.assetId;
    this.#warnSharedSecrets(discovery.cameras);
    const skipped = [...discovery.problems];
    const wanted = new Map(discovery.cameras.map((c) => [c.assetId, c]));
    for (const [id, runtime] of this.#cameras) {
      if (wanted.has(id)) continue;
      this.#log.info({ cameraId: id }, 'camera left the hub (or became invalid); stopping it');
      this.#cameras.delete(id);
      // Stopped beside the reconcile, not in it: one camera's stop never holds up the others.
      this.#stopInBackground(id, runtime);
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
        skipped.push({ assetId: camera.assetId, message: `its RTSP URL cannot be read: ${message}` });
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
        this.#stopInBackground(camera.assetId, running);
      }
      // The same camera's next runtime waits for the old one (one writer per recordings folder); a
      // stop is bounded by the uploader's grace and the source's own stop timeout.
      await this.#stopping.get(camera.assetId);
      const runtime = new CameraRuntime(camera, url, this.#o);
      try {
        await runtime.start();
        this.#cameras.set(camera.assetId, runtime);
        if (!running)
          this.#log.info({ cameraId: camera.assetId, stream: camera.streamName }, 'camera started');
      } catch (err) {
        await runtime.stop().catch(() => undefined);
        const message = err instanceof Error ? err.message : String(err);
        skipped.push({ assetId: camera.assetId, message: `it could not start: ${message}` });
      }
    }
    this.#reportSkipped(skipped);
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
