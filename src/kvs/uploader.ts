// One uploader per KVS stream: the single PutMedia connection of that stream, shared by the live
// edge, the backfill of its gaps, and historical range requests.
//
// Scheduling rule (docs/kvs.md): live first. A session carries one source only, because timecodes
// must increase within a session (4004) and history is older than the live edge. While a range
// request waits, a live session ends as soon as live is caught up (the queue is empty), or after
// liveTurnMaxMs when it never catches up; the range then gets one slice of at most sliceMs while
// live waits, after which live resumes and catches up from RAM and the store. Every turn moves each
// side forward by at least one fragment, so both finish; ranges run unsliced while live is idle.
import { EventEmitter } from 'node:events';
import type { Fragment, StreamHeader } from '../mkv/fragment.js';
import type { Logger } from '../log/index.js';
import { Backoff, delay, UPLOAD_BACKOFF, type BackoffPolicy } from '../time/index.js';
import { AttemptLimiter } from './attempt-limiter.js';
import { DataEndpointCache, ensureStream, mediaTypeFor, type StreamControl } from './control.js';
import type { CredentialSource } from './credentials.js';
import {
  KvsError,
  PutMediaAckError,
  PutMediaHttpError,
  PutMediaBodyError,
  StreamProvisionError,
} from './errors.js';
import { LiveQueue, type LiveQueueLimits } from './live-queue.js';
import { Notifier } from './notifier.js';
import type { FragmentReader, UploadLedger } from './seams.js';
import { FragmentErrorCounts, runSession, type SessionContext, type UploaderTiming } from './run-session.js';
import { LiveSource, RangeSource, type FragmentOrigin, type RangeProgress } from './sources.js';

/** Everything one stream's uploader needs. */
export interface UploaderOptions {
  streamName: string;
  region: string;
  control: StreamControl;
  credentials: CredentialSource;
  reader: FragmentReader;
  ledger: UploadLedger;
  log: Logger;
  /** Create/tag the stream before the first session; false when it is managed elsewhere. */
  provision?: { retentionHours: number; tags?: Record<string, string> } | false;
  timing?: UploaderTiming;
  backoff?: BackoffPolicy;
  liveQueue?: LiveQueueLimits;
  /** Bytes sent but not yet PERSISTED before sending pauses; default 32 MiB. */
  maxInFlightBytes?: number;
  /** Send an end-of-fragment tag after each fragment (lower live latency); default true. */
  endOfFragmentTags?: boolean;
}

/** Events for the status reporter and tests. */
export interface UploaderEvents {
  persisted: [
    { stream: string; startMs: number; endMs: number; fragmentNumber: string; origin: FragmentOrigin },
  ];
  received: [{ stream: string; startMs: number; endMs: number; origin: FragmentOrigin; atMs: number }];
  skipped: [
    { stream: string; startMs: number; endMs: number; errorId: number; errorCode: string; reason: string },
  ];
  failure: [{ stream: string; code: string; reason: string; retriable: boolean; retryInMs: number }];
  session: [{ stream: string; event: 'open' | 'close'; source: 'live' | 'range'; reason?: string }];
}

/** A historical or backfill upload; `done` resolves when the range is covered or the uploader stops. */
export interface UploadJob extends EventEmitter<{ progress: [RangeProgress] }> {
  readonly startMs: number;
  readonly endMs: number;
  readonly progress: RangeProgress;
  readonly done: Promise<'completed' | 'stopped'>;
}

interface Job {
  source: RangeSource;
  emitter: EventEmitter<{ progress: [RangeProgress] }>;
  resolve: (r: 'completed' | 'stopped') => void;
  job: UploadJob;
  /** The owner's cancel signal; a session of this job ends at the next fragment once it fires. */
  signal: AbortSignal | undefined;
}

/** See the file comment. */
export class StreamUploader extends EventEmitter<UploaderEvents> {
  readonly streamName: string;
  readonly #o: UploaderOptions;
  readonly #log: Logger;
  readonly #queue: LiveQueue;
  readonly #live: LiveSource;
  readonly #jobs: Job[] = [];
  readonly #notifier = new Notifier();
  readonly #backoff: Backoff;
  readonly #errorCounts = new FragmentErrorCounts();
  readonly #limiter = new AttemptLimiter();
  readonly #endpoint: DataEndpointCache;
  readonly #abort = new AbortController();
  #liveDesired = false;
  #provisioned: StreamHeader['tracks'] | undefined;
  #loop: Promise<void> | undefined;
  #rangeTurn = false;
  #running: Job | undefined;

  constructor(options: UploaderOptions) {
    super();
    this.#o = options;
    this.streamName = options.streamName;
    this.#log = options.log.child({ stream: options.streamName });
    this.#queue = new LiveQueue(options.liveQueue);
    this.#live = new LiveSource(this.#queue, options.reader, options.ledger);
    this.#backoff = new Backoff(options.backoff ?? UPLOAD_BACKOFF);
    this.#endpoint = new DataEndpointCache(options.control, options.streamName);
  }

  /** Starts the upload loop; call once. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Whether live fragments are wanted; fragments pushed while false are ignored. */
  setLive(desired: boolean): void {
    this.#liveDesired = desired;
    this.#notifier.notify();
  }

  get liveDesired(): boolean {
    return this.#liveDesired;
  }

  /** Hands over a fragment that just completed (the same object the store records). */
  pushLive(fragment: Fragment): void {
    if (!this.#liveDesired || this.#abort.signal.aborted) return;
    this.#queue.push(fragment);
    this.#notifier.notify();
  }

  /**
   * Uploads the recorded fragments overlapping [startMs, endMs) that the ledger does not have yet.
   * Aborting `signal` cancels the job: a waiting job leaves at once, a running one after the fragment
   * being sent (its session still ends cleanly); `done` then resolves 'stopped'. The camera is the
   * owner of its jobs and hands them over one at a time (camera/upload-queue.ts).
   */
  uploadRange(
    startMs: number,
    endMs: number,
    origin: 'historical' | 'backfill' = 'historical',
    signal?: AbortSignal,
  ): UploadJob {
    const source = new RangeSource(startMs, endMs, origin, this.#o.reader, this.#o.ledger);
    const emitter = new EventEmitter<{ progress: [RangeProgress] }>();
    let resolve!: (r: 'completed' | 'stopped') => void;
    const done = new Promise<'completed' | 'stopped'>((r) => (resolve = r));
    const job = Object.assign(emitter, { startMs, endMs, progress: source.progress, done }) as UploadJob;
    if (this.#abort.signal.aborted || signal?.aborted) {
      resolve('stopped');
      return job;
    }
    const entry: Job = { source, emitter, resolve, job, signal };
    this.#jobs.push(entry);
    signal?.addEventListener(
      'abort',
      () => {
        // The running job is dropped by #run once its session has ended.
        if (this.#running !== entry) void this.#cancelJob(entry);
        this.#notifier.notify();
      },
      { once: true },
    );
    this.#notifier.notify();
    return job;
  }

  /** Queue and connection state, for health and tests. */
  stats(): { liveQueueBytes: number; liveQueueItems: number; droppedToDisk: number; jobs: number } {
    return {
      liveQueueBytes: this.#queue.bytes,
      liveQueueItems: this.#queue.length,
      droppedToDisk: this.#queue.dropped,
      jobs: this.#jobs.length,
    };
  }

  /** Finishes the current session cleanly (waiting for its ACKs), then stops; pending jobs resolve 'stopped'. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error(`uploader for ${this.streamName} stopped`));
    this.#notifier.notify();
    await this.#loop;
    await this.#live.close();
    for (const j of this.#jobs.splice(0)) {
      await j.source.close();
      j.resolve('stopped');
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const job = this.#jobs[0];
      const liveFirst = this.#live.waiting && (!job || !this.#rangeTurn);
      if (!liveFirst && !job) {
        await this.#notifier.wait();
        continue;
      }
      let retryIn = 0;
      try {
        if (liveFirst) {
          const r = await runSession(this.#context('live'), this.#live);
          // A live turn ending while ranges wait hands the connection over for one slice.
          this.#rangeTurn = this.#jobs.length > 0 && r !== 'empty';
        } else if (job) {
          this.#running = job;
          const r = await runSession(this.#context('range', job), job.source);
          this.#rangeTurn = false;
          if (r === 'empty' || (job.source.exhausted && r === 'done')) this.#completeJob(job);
        }
      } catch (err) {
        retryIn = this.#onFailure(err);
      } finally {
        if (this.#running?.signal?.aborted) await this.#cancelJob(this.#running);
        this.#running = undefined;
      }
      if (retryIn > 0) {
        try {
          await delay(retryIn, signal);
        } catch {
          break;
        }
      }
      const wait = this.#limiter.delay();
      if (wait > 0 && !signal.aborted) await delay(wait, signal).catch(() => undefined);
    }
  }

  #context(kind: 'live' | 'range', job?: Job): SessionContext {
    return {
      kind,
      streamName: this.streamName,
      region: this.#o.region,
      log: this.#log,
      credentials: this.#o.credentials,
      endpoint: this.#endpoint,
      ledger: this.#o.ledger,
      signal: job?.signal ? AbortSignal.any([this.#abort.signal, job.signal]) : this.#abort.signal,
      notifier: this.#notifier,
      errorCounts: this.#errorCounts,
      timing: this.#o.timing ?? {},
      maxInFlightBytes: this.#o.maxInFlightBytes ?? 32 * 1024 * 1024,
      endOfFragmentTags: this.#o.endOfFragmentTags ?? true,
      emit: (name, payload) => (this.emit as (n: string, p: unknown) => boolean)(name, payload),
      beforeConnect: async (header) => {
        await this.#provision(header);
        this.#limiter.record();
      },
      onPersisted: (f) => {
        this.#backoff.reset();
        if (job) {
          job.source.persisted(f);
          job.emitter.emit('progress', { ...job.source.progress });
        }
      },
      onRejected: (f) => {
        if (job) job.source.rejected(f);
      },
      shouldYield: (elapsedMs) => {
        const t = this.#o.timing ?? {};
        if (kind === 'range') return this.#live.waiting && elapsedMs >= (t.sliceMs ?? 5000);
        return this.#jobs.length > 0 && elapsedMs >= (t.liveTurnMaxMs ?? 60_000);
      },
      yieldWhenIdle: () => kind === 'live' && this.#jobs.length > 0,
    };
  }

  async #provision(header: StreamHeader): Promise<void> {
    const p = this.#o.provision;
    if (p === false || p === undefined || this.#provisioned === header.tracks) return;
    await ensureStream(this.#o.control, this.streamName, {
      retentionHours: p.retentionHours,
      mediaType: mediaTypeFor(header.tracks),
      ...(p.tags ? { tags: p.tags } : {}),
      signal: this.#abort.signal,
    });
    this.#provisioned = header.tracks;
  }

  async #cancelJob(job: Job): Promise<void> {
    const i = this.#jobs.indexOf(job);
    if (i < 0) return;
    this.#jobs.splice(i, 1);
    await job.source.close();
    job.resolve('stopped');
  }

  #completeJob(job: Job): void {
    const i = this.#jobs.indexOf(job);
    if (i >= 0) this.#jobs.splice(i, 1);
    job.source.complete();
    job.emitter.emit('progress', { ...job.source.progress });
    job.resolve('completed');
  }

  /** Classifies a failed session, invalidates what it proves stale, and returns the wait before retrying. */
  #onFailure(err: unknown): number {
    if (this.#abort.signal.aborted) return 0;
    const e = err instanceof KvsError ? err : undefined;
    if (e instanceof PutMediaHttpError) {
      if (e.endpointStale) {
        this.#endpoint.invalidate();
        this.#provisioned = undefined;
      }
      if (e.credentialsStale) this.#o.credentials.invalidate();
    } else if (e && !(e instanceof PutMediaAckError) && !(e instanceof StreamProvisionError)) {
      // Connect, response-timeout, stall and body errors may mean the host moved.
      if (!(e instanceof PutMediaBodyError)) this.#endpoint.invalidate();
    } else if (e instanceof PutMediaAckError && e.errorId === 4008) {
      this.#provisioned = undefined;
    }
    // Rotation (4003) and a skipped fragment are routine: reconnect without backoff.
    const routine = e instanceof PutMediaAckError && (e.errorId === 4003 || !e.retriable);
    const retryIn = routine ? 0 : this.#backoff.next();
    const reason = err instanceof Error ? err.message : String(err);
    const code = e?.code ?? ((err as { name?: string })?.name || 'KVS_UNKNOWN');
    const level = routine ? 'info' : 'warn';
    this.#log[level]({ code, retryInMs: retryIn }, `KVS upload: ${reason}`);
    this.emit('failure', {
      stream: this.streamName,
      code,
      reason,
      retriable: e?.retriable ?? true,
      retryInMs: retryIn,
    });
    return retryIn;
  }
}
