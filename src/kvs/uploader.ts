// One uploader per KVS stream: the single PutMedia connection of that stream, shared by the live
// edge and the one range job (historical request, backfill, owed at start) its camera hands it at a
// time. Which range runs when is the camera's decision (src/camera/uploads.ts), not this file's.
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
import { DeliveryCheck, type DeliveryCheckStats } from './delivery-check.js';
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
import {
  LiveSource,
  RangeSource,
  type FragmentOrigin,
  type MissingFromStore,
  type RangeProgress,
} from './sources.js';

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

/** How a range upload ended: everything recorded in it is in KVS, or the uploader stopped or the job was cancelled first. */
export type UploadOutcome = 'completed' | 'stopped';

/** A historical or backfill upload; `done` resolves when the range is covered or the uploader stops. */
export interface UploadJob extends EventEmitter<{ progress: [RangeProgress] }> {
  readonly startMs: number;
  readonly endMs: number;
  readonly origin: 'historical' | 'backfill';
  readonly progress: RangeProgress;
  readonly done: Promise<UploadOutcome>;
}

interface Job {
  source: RangeSource;
  emitter: EventEmitter<{ progress: [RangeProgress] }>;
  resolve: (r: UploadOutcome) => void;
  job: UploadJob;
}

/** How long stop() lets the open session finish cleanly before cutting it; default 3 s. */
const DEFAULT_STOP_GRACE_MS = 3_000;

/** See the file comment. */
export class StreamUploader extends EventEmitter<UploaderEvents> {
  readonly streamName: string;
  readonly #o: UploaderOptions;
  readonly #log: Logger;
  readonly #queue: LiveQueue;
  readonly #live: LiveSource;
  /** The one range job; the camera hands over the next only after this one ended. */
  #job: Job | undefined;
  readonly #notifier = new Notifier();
  readonly #backoff: Backoff;
  readonly #errorCounts = new FragmentErrorCounts();
  readonly #limiter = new AttemptLimiter();
  readonly #endpoint: DataEndpointCache;
  readonly #abort = new AbortController();
  readonly #hardStop = new AbortController();
  readonly #check: DeliveryCheck;
  #missingFromStore = 0;
  #troubleCode: string | undefined;
  #liveDesired = false;
  #provisioned: StreamHeader['tracks'] | undefined;
  #loop: Promise<void> | undefined;
  #rangeTurn = false;
  /** The job has a session open. */
  #running = false;

  constructor(options: UploaderOptions) {
    super();
    this.#o = options;
    this.streamName = options.streamName;
    this.#log = options.log.child({ stream: options.streamName });
    this.#queue = new LiveQueue(options.liveQueue);
    this.#live = new LiveSource(this.#queue, options.reader, options.ledger, (m) => this.#onMissing(m));
    this.#backoff = new Backoff(options.backoff ?? UPLOAD_BACKOFF);
    this.#endpoint = new DataEndpointCache(options.control, options.streamName);
    this.#check = new DeliveryCheck(options.control, options.streamName, this.#log);
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
   * Uploads the recorded fragments overlapping [startMs, endMs) that KVS does not hold yet, in the
   * pauses of live. One range at a time: the camera's queue (src/camera/uploads.ts) bounds,
   * de-duplicates and orders the jobs and hands over the next when this one is done, so a second
   * call while a job is open is a wiring error and throws. Aborting `signal` cancels the job (it
   * ends 'stopped' at the next fragment boundary).
   */
  uploadRange(
    startMs: number,
    endMs: number,
    origin: 'historical' | 'backfill' = 'historical',
    signal?: AbortSignal,
  ): UploadJob {
    if (this.#job) {
      throw new Error(
        `${this.streamName}: range ${startMs}-${endMs} handed over while ${this.#job.job.startMs}-${this.#job.job.endMs} is still open; the camera's queue hands over one range at a time`,
      );
    }
    const source = new RangeSource(startMs, endMs, origin, this.#o.reader, this.#o.ledger, {
      verify: (s, e) => this.#check.held(s, e, this.#abort.signal),
      onHeld: (f) => {
        this.#check.stats.foundHeld++;
        this.#o.ledger.add({ startMs: f.startMs, endMs: f.endMs });
        this.emit('persisted', {
          stream: this.streamName,
          startMs: f.startMs,
          endMs: f.endMs,
          fragmentNumber: '',
          origin,
        });
      },
    });
    const emitter = new EventEmitter<{ progress: [RangeProgress] }>();
    let resolve!: (r: UploadOutcome) => void;
    const done = new Promise<UploadOutcome>((r) => (resolve = r));
    const job = Object.assign(emitter, {
      startMs,
      endMs,
      origin,
      progress: source.progress,
      done,
    }) as UploadJob;
    if (this.#abort.signal.aborted || signal?.aborted) {
      resolve('stopped');
      return job;
    }
    const entry: Job = { source, emitter, resolve, job };
    this.#job = entry;
    signal?.addEventListener(
      'abort',
      () => {
        if (this.#job !== entry) return;
        // A running session is told by the source and gives the job up at the next fragment.
        if (this.#running) entry.source.cancel();
        else this.#endJob(entry, 'stopped');
      },
      { once: true },
    );
    this.#notifier.notify();
    return job;
  }

  /** Queue and connection state, for health and tests. */
  stats(): {
    liveQueueBytes: number;
    liveQueueItems: number;
    droppedToDisk: number;
    missingFromStore: number;
    jobs: number;
    delivery: DeliveryCheckStats;
  } {
    return {
      liveQueueBytes: this.#queue.bytes,
      liveQueueItems: this.#queue.length,
      droppedToDisk: this.#queue.dropped,
      missingFromStore: this.#missingFromStore,
      jobs: this.#job ? 1 : 0,
      delivery: { ...this.#check.stats },
    };
  }

  /**
   * Stops within `graceMs` (default 3 s) plus a moment: the open session may finish cleanly (waiting
   * for its ACKs) until then, and is cut after; pending jobs resolve 'stopped'. What was sent but not
   * acknowledged stays not persisted in the ledger; the next start asks KVS about it.
   */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#abort.abort(new Error(`uploader for ${this.streamName} stopped`));
    this.#notifier.notify();
    const timer = setTimeout(() => this.#hardStop.abort(), graceMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(timer);
    }
    await this.#live.close();
    const job = this.#job;
    this.#job = undefined;
    if (job) {
      await job.source.close();
      job.resolve('stopped');
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const job = this.#job;
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
          this.#rangeTurn = this.#job !== undefined && r !== 'empty';
        } else if (job) {
          this.#running = true;
          try {
            const r = await runSession(this.#context('range', job), job.source);
            this.#rangeTurn = false;
            if (job.source.cancelled) this.#endJob(job, 'stopped');
            else if (r === 'empty' || (job.source.exhausted && r === 'done')) this.#completeJob(job);
          } finally {
            this.#running = false;
          }
        }
      } catch (err) {
        retryIn = this.#onFailure(err);
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
      check: this.#check,
      signal: this.#abort.signal,
      hardStop: this.#hardStop.signal,
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
        if (this.#troubleCode !== undefined) {
          this.#log.info({ after: this.#troubleCode }, 'KVS upload works again');
          this.#troubleCode = undefined;
        }
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
        if (kind === 'range')
          return job?.source.cancelled === true || (this.#live.waiting && elapsedMs >= (t.sliceMs ?? 5000));
        return this.#job !== undefined && elapsedMs >= (t.liveTurnMaxMs ?? 60_000);
      },
      yieldWhenIdle: () => kind === 'live' && this.#job !== undefined,
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

  #completeJob(job: Job): void {
    job.source.complete();
    job.emitter.emit('progress', { ...job.source.progress });
    this.#endJob(job, 'completed');
  }

  #endJob(job: Job, outcome: UploadOutcome): void {
    if (this.#job === job) this.#job = undefined;
    if (outcome === 'completed') job.resolve(outcome);
    else void job.source.close().finally(() => job.resolve(outcome));
  }

  /**
   * Live fragments that left RAM for the store were not there when read back. Logged once per gap and
   * counted; the range is asked again as a backfill job, so a fragment the writer writes late still
   * goes to KVS in this run (the upload intent covers the next start too).
   */
  #onMissing(m: MissingFromStore): void {
    this.#missingFromStore += m.fragments;
    this.#log.warn(
      { fromStartMs: m.fromStartMs, toStartMs: m.toStartMs, fragments: m.fragments },
      `${m.fragments} live fragment(s) left RAM while the uplink was slow and were not in the recording ` +
        'store when read back (not written: disk full, a write error, or the writer behind); they cannot ' +
        'be sent unless the store gets them, which a backfill of the range checks',
    );
    this.uploadRange(m.fromStartMs, m.toStartMs + 1, 'backfill');
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
    // The same trouble again (an outage retried with backoff) is logged at debug until an upload works
    // again or the trouble changes; the failure event still reports each one.
    const repeat = !routine && code === this.#troubleCode;
    if (!routine) this.#troubleCode = code;
    const level = routine ? 'info' : repeat ? 'debug' : 'warn';
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
