// MediaPackage VOD publishing for one camera, when the component has a Vod configuration and the
// camera model has the optional VOD properties: clips requested on VodIngestRequest (same format and
// validation as VideoUploadRequest) and recurring clips from VodPublishStartTime/DurationInMinutes
// (published when each window has ended). Publishes run one at a time per camera from a bounded
// queue; each outcome is written to VodAssetStatus as JSON and logged.
import type { Logger } from '../log/index.js';
import { parseSchedule, waitUntil } from '../schedule/index.js';
import {
  parseRequest,
  RequestError,
  type CameraConfig,
  type RequestSource,
  type RequestValue,
} from '../sitewise/index.js';
import type { TimeRange } from '../time/index.js';

/** What the runtime gives VOD: publish a clip, and write its status value. */
export interface VodPort {
  /** Publishes [startMs, endMs] of the camera; never rejects, resolves with the status. */
  publish(
    camera: CameraConfig,
    range: TimeRange,
    signal: AbortSignal,
  ): Promise<{ state: string; json: string }>;
  writeStatus(camera: CameraConfig, json: string): Promise<void>;
}

export interface CameraVodDeps {
  port: VodPort;
  log: Logger;
  timeZone: string | undefined;
  subscribe(key: string, source: RequestSource, onValue: (value: RequestValue) => void): Promise<void>;
  unsubscribe(key: string): Promise<void>;
  isRecorded(range: TimeRange): boolean;
  now?: () => number;
}

// A shift-length clip takes minutes to package and ingest; ten waiting clips is hours of backlog, and
// more than that means requests arrive faster than MediaPackage can take them.
const MAX_QUEUED = 10;
// The window's last fragment reaches the store a fragment after the window ends.
const SETTLE_MS = 15_000;

export class CameraVod {
  readonly #camera: CameraConfig;
  readonly #deps: CameraVodDeps;
  readonly #abort = new AbortController();
  readonly #queue: TimeRange[] = [];
  #worker: Promise<void> | undefined;
  #scheduleLoop: Promise<void> | undefined;

  constructor(camera: CameraConfig, deps: CameraVodDeps) {
    this.#camera = camera;
    this.#deps = deps;
  }

  get key(): string {
    return `${this.#camera.assetId}#vod`;
  }

  async start(): Promise<void> {
    const vod = this.#camera.vod;
    if (vod?.request) await this.#deps.subscribe(this.key, vod.request, (value) => this.onRequest(value));
    const spec = vod?.schedule;
    if (spec && spec.expression !== '* * * * *')
      this.#scheduleLoop = this.#runSchedule(spec.expression, spec.durationMinutes);
  }

  onRequest(value: RequestValue): void {
    try {
      const request = parseRequest(value.text, {
        now: (this.#deps.now ?? Date.now)(),
        isRecorded: (range) => this.#deps.isRecorded(range),
      });
      if (request.kind !== 'range') {
        throw new RequestError(
          'REQUEST_MALFORMED',
          'VodIngestRequest takes <startMs>-<endMs>, not "live"',
          value.text,
        );
      }
      this.enqueue({ startMs: request.startMs, endMs: request.endMs }, 'request');
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      this.#deps.log.warn({ value: value.text, reason: err.message }, 'VodIngestRequest ignored');
    }
  }

  enqueue(range: TimeRange, why: 'request' | 'schedule'): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#deps.log.warn({ range, why }, 'VOD queue is full; clip not published');
      return;
    }
    this.#queue.push(range);
    this.#deps.log.info({ range, why }, 'VOD clip queued');
    this.#worker ??= this.#drain().finally(() => (this.#worker = undefined));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#camera.vod?.request) await this.#deps.unsubscribe(this.key);
    await Promise.allSettled([this.#worker, this.#scheduleLoop]);
  }

  async #drain(): Promise<void> {
    const signal = this.#abort.signal;
    for (let range = this.#queue.shift(); range && !signal.aborted; range = this.#queue.shift()) {
      const result = await this.#deps.port.publish(this.#camera, range, signal);
      this.#deps.log.info({ range, state: result.state }, 'VOD publish finished');
      if (this.#camera.vod?.statusPropertyId) {
        await this.#deps.port
          .writeStatus(this.#camera, result.json)
          .catch((err: unknown) => this.#deps.log.warn({ err }, 'cannot write VodAssetStatus'));
      }
    }
  }

  async #runSchedule(expression: string, minutes: number): Promise<void> {
    const signal = this.#abort.signal;
    const now = this.#deps.now ?? Date.now;
    let schedule;
    try {
      schedule = parseSchedule(expression, this.#deps.timeZone ? { timeZone: this.#deps.timeZone } : {});
    } catch (err) {
      this.#deps.log.warn(
        { err, expression },
        'VodPublishStartTime is not a valid schedule; no recurring clips',
      );
      return;
    }
    // Starting inside a window still publishes that window when it ends.
    let after = new Date(now() - minutes * 60_000);
    while (!signal.aborted) {
      const start = schedule.nextFire(after);
      if (!start) return;
      const end = start.getTime() + minutes * 60_000;
      try {
        await waitUntil(new Date(end + SETTLE_MS), { signal, now });
      } catch {
        return; // aborted
      }
      this.enqueue({ startMs: start.getTime(), endMs: end }, 'schedule');
      after = start;
    }
  }
}
