// CameraSource: one camera, supervised. Each run asks the camera what it offers (DESCRIBE), starts a
// GStreamer child for exactly those tracks, feeds fd 3 into a fresh Fragmenter and hands fragments out.
// Whatever ends a run that nobody asked to end (an error, a clean EOS because the camera closed TCP, the
// no-data watchdog) comes back to one place, #loop, which waits with backoff and starts again.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { createLogger, redactUrl, type Logger } from '../log/index.js';
import { Fragmenter, type Fragment, type FragmenterWarning } from '../mkv/index.js';
import { describe, parseRtspUrl } from './describe.js';
import {
  CameraFailure,
  classifyGstError,
  failureFor,
  PERMANENT_FAILURES,
  type FailureContext,
} from './failures.js';
import { backoffDelay, RETRY_BACKOFF } from '../time/index.js';
import { RateMeter, type SourceHealth, type SourceState } from './health.js';
import { defaultPython, GstProcesses, type GstChild, type LauncherKind } from './launcher.js';
import { pipelineDescription } from './pipeline.js';
import type { RunnerPool } from './pool.js';
import { parseSdp, planMedia, type MediaPlan } from './sdp.js';
import { runOnce, type RunResult } from './run.js';

/** Timings of supervision; all injectable so tests run in seconds. */
export interface SourceTiming {
  /** First restart delay ceiling; doubles per consecutive failure. Default 1000 (RETRY_BACKOFF). */
  backoffBaseMs: number;
  /** Cap of the restart delay ceiling. Default 30000 (RETRY_BACKOFF). */
  backoffMaxMs: number;
  /** A run that streamed this long resets the backoff to its base. Default 60000. */
  healthyAfterMs: number;
  /** No bytes on fd 3 for this long restarts the pipeline. Default 10000. */
  watchdogMs: number;
  /** Time from SIGINT to SIGKILL. Default 5000. */
  stopGraceMs: number;
  /** Deadline of the DESCRIBE probe. Default 10000. */
  describeTimeoutMs: number;
}

export const DEFAULT_TIMING: SourceTiming = {
  backoffBaseMs: RETRY_BACKOFF.baseMs,
  backoffMaxMs: RETRY_BACKOFF.capMs,
  healthyAfterMs: 60000,
  watchdogMs: 10000,
  stopGraceMs: 5000,
  describeTimeoutMs: 10000,
};

/** Everything a camera source needs; `url` is a secret and never leaves this object unredacted. */
export interface CameraSourceOptions {
  cameraId: string;
  /** rtsp://user:password@host:port/path */
  url: string;
  /** Where the URL comes from (e.g. a secret ARN), named in failure sentences. */
  urlRef?: string;
  /** Record the camera's audio track when it has a supported one. Default true. */
  audio?: boolean;
  log?: Logger;
  /** Default 'python-gi' (pipeline via stdin); 'gst-launch' only for URLs without a password. */
  launcher?: LauncherKind;
  /**
   * Run the pipeline in this shared pool of python-gi runners instead of a child of its own (the
   * launcher options are then unused). The pool's owner closes it.
   */
  runners?: RunnerPool;
  gstLaunchPath?: string;
  pythonPath?: string;
  /** rtspsrc latency; default 200 ms (TCP does not reorder, so a jitter buffer only delays). */
  latencyMs?: number;
  timing?: Partial<SourceTiming>;
  fragments?: { minFragmentMs?: number; maxFragmentMs?: number; hardLimitMs?: number };
  /** Called synchronously for every fragment; must not block (queue it if the work is slow). */
  onFragment: (f: Fragment) => void;
  onHealth?: (h: SourceHealth) => void;
  onWarning?: (w: FragmenterWarning) => void;
  /** Aborting it stops the source, like stop(). */
  signal?: AbortSignal;
  /** Jitter source, for tests. */
  random?: () => number;
  /**
   * Owner of the pipeline children and header generations, shared by the component's sources (made
   * in main.ts). Default: one private to this source.
   */
  processes?: GstProcesses;
}

/** One supervised camera: start() once, stop() once; fragments and health through the callbacks. */
export class CameraSource {
  readonly cameraId: string;
  readonly #o: CameraSourceOptions;
  readonly #timing: SourceTiming;
  readonly #log: Logger;
  readonly #ctx: FailureContext;
  readonly #abort = new AbortController();
  readonly #bytes = new RateMeter();
  readonly #frags = new RateMeter();
  readonly #secrets: string[];
  readonly #processes: GstProcesses;
  #health: SourceHealth;
  #done: Promise<void> | undefined;
  #child: GstChild | undefined;

  constructor(options: CameraSourceOptions) {
    this.cameraId = options.cameraId;
    this.#o = options;
    this.#timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#log = options.log ?? createLogger({ level: 'silent' });
    this.#ctx = { urlRef: options.urlRef };
    this.#processes = options.processes ?? new GstProcesses();
    const target = parseRtspUrl(options.url, this.#ctx);
    this.#secrets = target.password.length >= 3 ? [target.password, encodeURIComponent(target.password)] : [];
    if ((options.launcher ?? 'python-gi') === 'gst-launch' && target.password) {
      throw failureFor(
        'other',
        this.#ctx,
        'the gst-launch launcher would put the camera password on its command line, visible to every local user; use the python-gi launcher',
      );
    }
    this.#health = {
      cameraId: options.cameraId,
      state: 'starting',
      since: Date.now(),
      bytesPerSecond: 0,
      fragmentsPerSecond: 0,
      restarts: 0,
      generation: 0,
    };
  }

  /** Starts supervision; returns at once. */
  start(): void {
    if (this.#done) return;
    const external = this.#o.signal;
    if (external?.aborted) this.#abort.abort();
    external?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#done = this.#loop().finally(() => {
      this.#update({ pid: undefined, nextAttemptAt: undefined }, 'stopped');
    });
  }

  /** SIGINT to the child (EOS, the last fragment is flushed), SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  health(): SourceHealth {
    return {
      ...this.#health,
      bytesPerSecond: this.#bytes.perSecond(),
      fragmentsPerSecond: this.#frags.perSecond(),
    };
  }

  /** Text with the URL password (raw or URL-encoded) and any URL user info masked. */
  scrub(text: string): string {
    let out = redactUrl(text);
    for (const s of this.#secrets) out = out.split(s).join('***');
    return out;
  }

  #update(patch: Partial<SourceHealth>, state?: SourceState): void {
    const prev = this.#health.state;
    this.#health = { ...this.#health, ...patch };
    if (state && state !== prev) {
      this.#health.state = state;
      this.#health.since = Date.now();
    }
    this.#o.onHealth?.(this.health());
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    for (let attempt = 0; !signal.aborted; attempt++) {
      this.#update({ restarts: attempt, nextAttemptAt: undefined }, 'starting');
      const result = await this.#attempt();
      if (signal.aborted) break;
      if (result.streamedMs >= this.#timing.healthyAfterMs) failures = 0;
      const failure = result.failure ?? failureFor('unreachable', this.#ctx, 'the pipeline ended');
      const delay = backoffDelay(
        ++failures,
        { baseMs: this.#timing.backoffBaseMs, capMs: this.#timing.backoffMaxMs },
        this.#o.random,
      );
      const permanent = PERMANENT_FAILURES.has(failure.code);
      this.#log.warn(
        { code: failure.code, detail: failure.detail, retryInMs: delay },
        `camera ${this.cameraId}: ${failure.message}`,
      );
      this.#update(
        {
          lastError: { code: failure.code, message: failure.message, at: Date.now(), detail: failure.detail },
          pid: undefined,
          nextAttemptAt: Date.now() + delay,
        },
        permanent ? 'failed' : 'backing-off',
      );
      await sleepFor(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  async #attempt(): Promise<RunResult> {
    const signal = this.#abort.signal;
    let plan: MediaPlan;
    try {
      const target = parseRtspUrl(this.#o.url, this.#ctx);
      const sdp = await describe(target, this.#ctx, this.#timing.describeTimeoutMs, signal);
      plan = planMedia(parseSdp(sdp), this.#o.audio ?? true, this.#ctx);
    } catch (err) {
      return { streamedMs: 0, failure: this.#asFailure(err) };
    }
    if (plan.skippedAudio)
      this.#log.warn({ audio: plan.skippedAudio }, 'camera audio codec not supported; recording video only');
    const description = pipelineDescription(this.#o.url, plan, { latencyMs: this.#o.latencyMs ?? 200 });
    this.#log.debug({ pipeline: this.scrub(description) }, 'starting pipeline');
    return runOnce({
      start: (listener) => {
        this.#child = this.#o.runners
          ? this.#o.runners.launch(description, listener)
          : this.#processes.launch(
              description,
              {
                launcher: this.#o.launcher ?? 'python-gi',
                gstLaunchPath: this.#o.gstLaunchPath ?? 'gst-launch-1.0',
                pythonPath: this.#o.pythonPath ?? defaultPython(),
              },
              listener,
            );
        this.#update({
          pid: this.#child.pid,
          media: { video: plan.video.codec, ...(plan.audio ? { audio: plan.audio.codec } : {}) },
        });
        return this.#child;
      },
      fragmenter: (epochBaseMs) =>
        new Fragmenter({
          // Whole milliseconds: cluster timecodes are integers at a 1 ms TimecodeScale.
          epochBaseMs: Math.round(epochBaseMs),
          nextGeneration: () => this.#processes.nextGeneration(),
          log: this.#log,
          ...this.#o.fragments,
          onFragment: (f) => this.#fragment(f),
          onWarning: (w) => {
            this.#log.warn({ code: w.code }, w.message);
            this.#o.onWarning?.(w);
          },
        }),
      onBytes: (n) => this.#bytes.add(n),
      onStreaming: () => this.#update({}, 'streaming'),
      scrub: (text) => this.scrub(text),
      classify: (text) => classifyGstError(text, this.#ctx),
      timeout: (what) => failureFor('timeout', this.#ctx, what),
      log: this.#log,
      signal,
      watchdogMs: this.#timing.watchdogMs,
      stopGraceMs: this.#timing.stopGraceMs,
    }).finally(() => (this.#child = undefined));
  }

  #fragment(f: Fragment): void {
    this.#frags.add(1);
    if (f.header.generation !== this.#health.generation) this.#update({ generation: f.header.generation });
    try {
      this.#o.onFragment(f);
    } catch (err) {
      // A consumer's bug must not stall recording: fd 3 keeps draining.
      this.#log.error({ err }, 'fragment consumer threw');
    }
  }

  #asFailure(err: unknown): CameraFailure {
    if (err instanceof CameraFailure) return err;
    return failureFor('other', this.#ctx, this.scrub(err instanceof Error ? err.message : String(err)));
  }
}
