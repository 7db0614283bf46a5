// CameraController: the reconcile loop of one camera. Desired state (record? live?) comes from the
// schedules and requests; actual state is the running parts (camera source, recording, live upload,
// the camera's upload jobs). Every change — a schedule edge, a request, a reload, a part that stops —
// triggers one serialized reconcile step that converges actual on desired. Nothing else starts or
// stops a part, so there is exactly one place where restarts and stops are decided. Every range job of
// the camera (historical, backfill, owed at start) is in its one UploadQueue (uploads.ts).
import type { Logger } from '../log/index.js';
import type { Fragment } from '../mkv/index.js';
import { desiredAt, type CameraPlan, type Desired } from './desired.js';
import type { TimeRange } from '../time/index.js';
import { UploadQueue, type RangeUploaderPort, type RecordingIndexPort } from './uploads.js';

/** The camera pulled into fragments (gst + fragmenter); runs until stopped, restarting by itself. */
export interface SourcePort {
  start(onFragment: (fragment: Fragment) => void): void;
  stop(): Promise<void>;
}

/** Where fragments are recorded (the store's segment writer for this camera). */
export interface RecorderPort {
  append(fragment: Fragment): void;
  close(): Promise<void>;
}

/** The camera's KVS stream uploader: the live edge, and the one range the camera's queue hands it. */
export interface UploaderPort extends RangeUploaderPort {
  setLive(on: boolean): void;
  pushLive(fragment: Fragment): void;
  close(): Promise<void>;
}

export interface CameraPorts {
  source(): SourcePort;
  recorder(): RecorderPort;
  uploader: UploaderPort;
  /** What is recorded and what is owed to KVS. */
  index: RecordingIndexPort;
}

export interface CameraControllerOptions {
  cameraId: string;
  plan: CameraPlan;
  ports: CameraPorts;
  log: Logger;
  liveKeepAliveMs: number;
  now?: () => number;
  /** Safety net: reconcile at least this often even when nothing announced a change. */
  reconcileEveryMs?: number;
  /** Pause before retrying a failed upload job. */
  uploadRetryMs?: number;
  /** Pause between two passes of a requested range that is still being recorded. */
  openPassMs?: number;
}

export interface CameraHealth {
  cameraId: string;
  desired: Desired;
  recording: boolean;
  live: boolean;
  queuedUploads: number;
  lastUploadError?: string;
}

// setTimeout cannot wait longer than 2^31-1 ms; the safety reconcile is far shorter anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class CameraController {
  readonly cameraId: string;
  #plan: CameraPlan;
  readonly #ports: CameraPorts;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #liveKeepAliveMs: number;
  readonly #reconcileEveryMs: number;
  readonly #uploads: UploadQueue;
  #liveRequestedUntil = 0;
  #desired: Desired = { record: false, live: false, reasons: [], nextChangeMs: undefined };
  #source: SourcePort | undefined;
  #recorder: RecorderPort | undefined;
  #live = false;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #pending = false;
  #stopped = false;

  constructor(options: CameraControllerOptions) {
    this.cameraId = options.cameraId;
    this.#plan = options.plan;
    this.#ports = options.ports;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#liveKeepAliveMs = options.liveKeepAliveMs;
    this.#reconcileEveryMs = options.reconcileEveryMs ?? 30_000;
    this.#uploads = new UploadQueue({
      log: this.#log,
      index: options.ports.index,
      uploader: options.ports.uploader,
      now: this.#now,
      ...(options.uploadRetryMs !== undefined && { retryMs: options.uploadRetryMs }),
      ...(options.openPassMs !== undefined && { openPassMs: options.openPassMs }),
    });
  }

  /** Queues what earlier runs owe KVS, then converges on the desired state. Call once. */
  start(): Promise<void> {
    this.#uploads.owedAtStart();
    return this.#kick();
  }

  /** Hot reload of this camera's schedules: applied in place, nothing else restarts. */
  updatePlan(plan: CameraPlan): Promise<void> {
    this.#plan = plan;
    return this.#kick();
  }

  /** A `live` request: live streaming for the keep-alive period after the latest one. */
  requestLive(): Promise<void> {
    this.#liveRequestedUntil = this.#now() + this.#liveKeepAliveMs;
    return this.#kick();
  }

  /**
   * A historical range to upload (see UploadQueue.request: merged, de-duplicated, kept open while its
   * end is in the future). Returns false when the queue is full.
   */
  requestUpload(range: TimeRange): boolean {
    if (this.#stopped) return false;
    return this.#uploads.request(range);
  }

  health(): CameraHealth {
    return {
      cameraId: this.cameraId,
      desired: this.#desired,
      recording: this.#source !== undefined,
      live: this.#live,
      queuedUploads: this.#uploads.size,
      ...(this.#uploads.lastError !== undefined && { lastUploadError: this.#uploads.lastError }),
    };
  }

  /** Stops every part this controller started and waits until they have stopped. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#chain;
    await this.#stopRecording();
    // The queue's running job waits on the uploader; stopping the uploader (which cuts its session
    // after a short grace) is what ends it, so both go at once and the stop stays within budget.
    await Promise.all([this.#uploads.stop(), this.#ports.uploader.close()]);
  }

  #kick(): Promise<void> {
    if (this.#stopped) return this.#chain;
    if (this.#pending) return this.#chain;
    this.#pending = true;
    this.#chain = this.#chain.then(async () => {
      this.#pending = false;
      if (this.#stopped) return;
      try {
        await this.#reconcile();
      } catch (err) {
        this.#log.error({ err }, 'reconcile failed; retrying on the next tick');
      }
      this.#arm();
    });
    return this.#chain;
  }

  async #reconcile(): Promise<void> {
    const desired = desiredAt(this.#plan, this.#liveRequestedUntil, this.#now());
    if (desired.record !== this.#desired.record || desired.live !== this.#desired.live) {
      this.#log.info(
        { record: desired.record, live: desired.live, reasons: desired.reasons },
        'desired state',
      );
    }
    this.#desired = desired;
    if (desired.record && !this.#source) this.#startRecording();
    if (desired.live !== this.#live) {
      this.#live = desired.live;
      this.#ports.uploader.setLive(desired.live);
      if (desired.live && desired.liveSinceMs !== undefined) this.#uploads.backfill(desired.liveSinceMs);
    }
    if (!desired.record && this.#source) await this.#stopRecording();
  }

  #startRecording(): void {
    this.#recorder = this.#ports.recorder();
    const recorder = this.#recorder;
    const source = this.#ports.source();
    this.#source = source;
    // The one media path: every fragment is recorded, and the live edge also goes to the uploader.
    source.start((fragment) => {
      recorder.append(fragment);
      if (!this.#live) return;
      // Recorded while live was wanted: owed to KVS, across restarts too.
      this.#ports.index.intend(fragment, 'live');
      this.#ports.uploader.pushLive(fragment);
    });
  }

  async #stopRecording(): Promise<void> {
    const source = this.#source;
    const recorder = this.#recorder;
    this.#source = undefined;
    this.#recorder = undefined;
    // Source first: its last fragments (flushed at EOS) still reach the recorder before it closes.
    if (source) await source.stop();
    if (recorder) await recorder.close();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const now = this.#now();
    const next = this.#desired.nextChangeMs;
    const wait = Math.min(
      this.#reconcileEveryMs,
      next === undefined ? Infinity : Math.max(0, next - now),
      MAX_TIMER_MS,
    );
    this.#timer = setTimeout(() => void this.#kick(), wait);
  }
}
