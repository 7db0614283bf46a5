// One running camera: its controller, uploader, request subscription and status, wired together.
// Built by the Connector from a CameraConfig and torn down as a unit when the camera goes away or a
// change needs a restart (new stream name, new secret, new URL).
import { CameraController, constantSchedule, type CameraPlan, type WindowSchedule } from '../camera/index.js';
import type { Logger } from '../log/index.js';
import { cameraLogger } from '../log/index.js';
import type { Fragment } from '../mkv/index.js';
import { parseSchedule, windowAt } from '../schedule/index.js';
import { parseRequest, RequestError, type CameraConfig, type ScheduleSpec } from '../sitewise/index.js';
import type { RequestSource, RequestValue } from '../sitewise/index.js';
import { CameraStatus, type EdgeChunkMemory, type StatusPoint } from '../status/index.js';
import type { TimeRange } from '../time/index.js';
import { CameraVod, type VodPort } from './camera-vod.js';
import type { Store } from '../store/index.js';

// CachedVideoAgeOutOnEdge changes with every fragment; once per 10 s keeps the player's availability
// bar current without a SiteWise call per fragment.
const CACHED_REPORT_EVERY_MS = 10_000;

/** The live/historical uploader of one stream, as the runtime uses it (kvs StreamUploader). */
export interface StreamUploaderLike {
  start(): void;
  setLive(on: boolean): void;
  pushLive(fragment: Fragment): void;
  uploadRange(
    startMs: number,
    endMs: number,
    origin?: 'historical' | 'backfill',
    signal?: AbortSignal,
  ): { done: Promise<'completed' | 'stopped'> };
  on(event: 'persisted', listener: (e: { startMs: number; endMs: number }) => void): unknown;
  /** missingFromStore: live fragments that left RAM and were not in the store when read back. */
  stats(): { missingFromStore: number };
  stop(): Promise<void>;
}

/** A supervised camera source (gst CameraSource). */
export interface CameraSourceLike {
  start(): void;
  stop(): Promise<void>;
  health(): {
    state: string;
    restarts: number;
    bytesPerSecond: number;
    fragmentsPerSecond: number;
    lastError?: { code: string; message: string };
  };
}

/** One camera as the status endpoint shows it; no URL, no secret. */
export interface CameraSnapshot {
  assetId: string;
  streamName: string;
  /** The source's state (gst: starting, running, backoff, ...) or 'stopped' when not recording. */
  state: string;
  record: boolean;
  live: boolean;
  /** Why record and live are what they are (schedule, request, keep-alive). */
  reasons: string[];
  restarts: number;
  bytesPerSecond: number;
  fragmentsPerSecond: number;
  queuedUploads: number;
  /** Live fragments that left RAM for the store and were not there when read back (never written). */
  liveMissingFromStore: number;
  lastError?: string;
  lastUploadError?: string;
  recordingDenied?: string;
}

export interface CameraRuntimeDeps {
  log: Logger;
  store: Store;
  timeZone: string | undefined;
  liveKeepAliveMs: number;
  /** The component's DeleteAfterUpload; a camera attribute of the same name overrides it. */
  deleteAfterUpload?: boolean;
  createSource(camera: CameraConfig, url: string, onFragment: (f: Fragment) => void): CameraSourceLike;
  createUploader(camera: CameraConfig): StreamUploaderLike;
  subscribeRequests(camera: CameraConfig, onValue: (value: RequestValue) => void): Promise<void>;
  unsubscribeRequests(cameraId: string): Promise<void>;
  putStatus(point: StatusPoint): void;
  /** Remembers each camera's reported CachedVideoAgeOutOnEdge across restarts (status/edge-chunks). */
  edgeChunks?: { for(assetId: string): EdgeChunkMemory };
  /** MediaPackage VOD publishing; absent when the component's Vod key is empty. */
  vod?: VodPort;
  subscribeVod(key: string, source: RequestSource, onValue: (value: RequestValue) => void): Promise<void>;
  now?: () => number;
}

/** Turns a SiteWise schedule attribute into the controller's view of it. */
export function windowSchedule(spec: ScheduleSpec, timeZone: string | undefined): WindowSchedule {
  if (spec.expression === '-' || spec.expression === '') return constantSchedule(false);
  if (spec.expression === '* * * * *') return constantSchedule(true);
  const schedule = parseSchedule(spec.expression, timeZone ? { timeZone } : {});
  return {
    at(nowMs) {
      const state = windowAt(schedule, spec.durationMinutes, new Date(nowMs));
      return {
        active: state.active,
        nextChangeMs: state.nextChange?.getTime(),
        ...(state.windowStart && { sinceMs: state.windowStart.getTime() }),
      };
    },
  };
}

export function cameraPlan(camera: CameraConfig, timeZone: string | undefined): CameraPlan {
  return { capture: windowSchedule(camera.capture, timeZone), live: windowSchedule(camera.live, timeZone) };
}

export class CameraRuntime {
  #camera: CameraConfig;
  readonly url: string;
  readonly controller: CameraController;
  readonly status: CameraStatus;
  readonly #deps: CameraRuntimeDeps;
  readonly #log: Logger;
  readonly #uploader: StreamUploaderLike;
  #source: CameraSourceLike | undefined;
  #cachedReportedAt = 0;
  readonly #vod: CameraVod | undefined;

  constructor(camera: CameraConfig, url: string, deps: CameraRuntimeDeps) {
    this.#camera = camera;
    this.url = url;
    this.#deps = deps;
    this.#log = cameraLogger(deps.log, camera.assetId, camera.streamName);
    const now = deps.now ?? Date.now;
    this.status = new CameraStatus({
      assetId: camera.assetId,
      status: camera.status,
      sink: (point) => deps.putStatus(point),
      now,
      ...(deps.edgeChunks && { memory: deps.edgeChunks.for(camera.assetId) }),
    });
    if (deps.vod && camera.vod) {
      this.#vod = new CameraVod(camera, {
        port: deps.vod,
        log: this.#log,
        timeZone: deps.timeZone,
        subscribe: (key, source, onValue) => deps.subscribeVod(key, source, onValue),
        unsubscribe: (key) => deps.unsubscribeRequests(key),
        isRecorded: (range) => this.#isRecorded(range),
        ...(deps.now && { now: deps.now }),
      });
    }
    const uploader = deps.createUploader(camera);
    this.#uploader = uploader;
    uploader.on('persisted', (e) => this.status.uploaded({ startMs: e.startMs, endMs: e.endMs }));
    const store = deps.store;
    this.controller = new CameraController({
      cameraId: camera.assetId,
      plan: cameraPlan(camera, deps.timeZone),
      log: this.#log,
      liveKeepAliveMs: deps.liveKeepAliveMs,
      now,
      ports: {
        source: () => ({
          start: (onFragment) => {
            this.#source = deps.createSource(camera, url, onFragment);
            this.#source.start();
          },
          stop: async () => {
            const source = this.#source;
            this.#source = undefined;
            await source?.stop();
          },
        }),
        recorder: () => {
          const writer = store.writer(camera.assetId);
          // VideoRecordedTimeRange follows what is on disk, not what was queued for it.
          const unsubscribe = writer.onWritten((range) => {
            this.status.recorded(range);
            // The cached range grows with every fragment; SiteWise hears about it every few seconds.
            if (range.endMs - this.#cachedReportedAt >= CACHED_REPORT_EVERY_MS) {
              this.#cachedReportedAt = range.endMs;
              this.reportCached();
            }
          });
          return {
            append: (fragment) => void writer.append(fragment),
            close: async () => {
              try {
                await writer.close();
              } finally {
                unsubscribe();
              }
            },
          };
        },
        uploader: {
          setLive: (on) => uploader.setLive(on),
          pushLive: (fragment) => uploader.pushLive(fragment),
          upload: async (range, origin, signal) => {
            const job = uploader.uploadRange(range.startMs, range.endMs, origin, signal);
            const outcome = await job.done;
            if (outcome !== 'completed' && !signal.aborted) {
              throw new Error(`upload of ${range.startMs}-${range.endMs} ${outcome} before it was complete`);
            }
          },
          close: () => uploader.stop(),
        },
        index: {
          notUploaded: () => store.notUploaded(camera.assetId),
          owed: () => store.owed(camera.assetId),
          intend: (range, kind) => store.intend(camera.assetId, range, kind),
          openRequests: () => store.openRequests(camera.assetId),
          recordedUntil: () => store.recorded(camera.assetId).at(-1)?.endMs,
        },
      },
    });
  }

  async start(): Promise<void> {
    this.#applyRetention();
    this.#uploader.start();
    await this.controller.start();
    await this.#deps.subscribeRequests(this.camera, (value) => this.onRequest(value));
    await this.#vod?.start();
    this.reportCached();
  }

  #isRecorded(range: TimeRange): boolean {
    return this.#deps.store
      .recorded(this.camera.assetId)
      .some((r) => r.startMs < range.endMs && range.startMs < r.endMs);
  }

  /** The camera's configuration as last applied. */
  get camera(): CameraConfig {
    return this.#camera;
  }

  /** Applies a changed schedule or retention in place (nothing restarts). */
  async update(camera: CameraConfig): Promise<void> {
    this.#camera = camera;
    this.#applyRetention();
    await this.controller.updatePlan(cameraPlan(camera, this.#deps.timeZone));
  }

  #applyRetention(): void {
    const deleteAfterUpload = this.#camera.deleteAfterUpload ?? this.#deps.deleteAfterUpload;
    this.#deps.store.retention.setCamera(this.#camera.assetId, {
      retentionMinutes: this.#camera.retentionMinutes,
      ...(deleteAfterUpload !== undefined && { deleteAfterUpload }),
      // The camera asset's MaxLocalMediaSizeInMB caps this camera alone, under the component's strategy.
      ...(this.#camera.maxLocalMediaSizeInMB !== undefined && {
        maxBytes: this.#camera.maxLocalMediaSizeInMB * 1024 * 1024,
      }),
    });
  }

  /** A VideoUploadRequest value: never blocks, never throws; a bad value is logged and ignored. */
  onRequest(value: RequestValue): void {
    try {
      const request = parseRequest(value.text, {
        now: (this.#deps.now ?? Date.now)(),
        isRecorded: (range: TimeRange) => this.#isRecorded(range),
        // The camera's queue keeps such a range open until its end, within its bound.
        allowFutureEnd: true,
      });
      if (request.kind === 'live') {
        this.#log.info('live requested');
        void this.controller.requestLive();
      } else {
        this.#log.info({ startMs: request.startMs, endMs: request.endMs }, 'historical upload requested');
        this.controller.requestUpload({ startMs: request.startMs, endMs: request.endMs });
      }
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      this.#log.warn({ value: value.text, reason: err.message }, 'VideoUploadRequest ignored');
    }
  }

  /** CachedVideoAgeOutOnEdge: what the edge still holds, after retention or on the minute. */
  reportCached(): void {
    this.status.cached(this.#deps.store.recorded(this.camera.assetId));
  }

  healthLine(): Record<string, unknown> {
    const source = this.#source?.health();
    const h = this.controller.health();
    return {
      record: h.desired.record,
      live: h.desired.live,
      reasons: h.desired.reasons,
      source: source
        ? {
            state: source.state,
            restarts: source.restarts,
            bytesPerSecond: Math.round(source.bytesPerSecond),
            fragmentsPerSecond: Number(source.fragmentsPerSecond.toFixed(2)),
            ...(source.lastError && { lastError: `${source.lastError.code}: ${source.lastError.message}` }),
          }
        : 'stopped',
      queuedUploads: h.queuedUploads,
      ...this.#recordingDenied(),
      ...(h.lastUploadError && { lastUploadError: h.lastUploadError }),
    };
  }

  /** A read-only view of this camera's state for the local status endpoint (src/observe). */
  snapshot(): CameraSnapshot {
    const source = this.#source?.health();
    const h = this.controller.health();
    const denied = this.#recordingDenied().recordingDenied;
    return {
      assetId: this.#camera.assetId,
      streamName: this.#camera.streamName,
      state: source?.state ?? 'stopped',
      record: h.desired.record,
      live: h.desired.live,
      reasons: h.desired.reasons,
      restarts: source?.restarts ?? 0,
      bytesPerSecond: source?.bytesPerSecond ?? 0,
      fragmentsPerSecond: source?.fragmentsPerSecond ?? 0,
      queuedUploads: h.queuedUploads,
      liveMissingFromStore: this.#uploader.stats().missingFromStore,
      ...(source?.lastError && { lastError: `${source.lastError.code}: ${source.lastError.message}` }),
      ...(h.lastUploadError && { lastUploadError: h.lastUploadError }),
      ...(denied && { recordingDenied: denied }),
    };
  }

  /** Why the store refuses this camera's video (size cap with DENY_NEW_MEDIA), if it does. */
  #recordingDenied(): { recordingDenied?: string } {
    const retention = this.#deps.store.health();
    const reason =
      retention.deniedCameras?.[this.#camera.assetId] ?? (retention.denied ? retention.reason : undefined);
    return reason === undefined ? {} : { recordingDenied: reason };
  }

  async stop(): Promise<void> {
    await this.#deps.unsubscribeRequests(this.camera.assetId);
    await this.#vod?.stop();
    await this.controller.stop();
  }
}

/** Whether a changed camera can keep running with update() or must be rebuilt. */
export function needsRestart(before: CameraRuntime, next: CameraConfig, nextUrl: string): boolean {
  const a = before.camera;
  return a.streamName !== next.streamName || a.secretArn !== next.secretArn || before.url !== nextUrl;
}
