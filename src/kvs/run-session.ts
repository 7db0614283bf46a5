// Runs one PutMedia session for one source: connect, send fragments until the source is done, the
// session is old, another source's turn has come, or the header changes; track each fragment from
// sent to PERSISTED; hand everything unacknowledged back to the source when it ends.
import type { Fragment, StreamHeader } from '../mkv/fragment.js';
import type { Logger } from '../log/index.js';
import type { Ack } from './ack-parser.js';
import type { DataEndpointCache } from './control.js';
import type { CredentialSource } from './credentials.js';
import type { DeliveryCheck } from './delivery-check.js';
import { ackErrorAction } from './error-ids.js';
import { PutMediaBodyError } from './errors.js';
import type { Notifier } from './notifier.js';
import type { UploadLedger } from './seams.js';
import { PutMediaSession, type SessionTiming } from './session.js';
import { signPutMedia } from './signer.js';
import type { FragmentSource, Picked } from './sources.js';

/** Tuning of the uploader; every field has a production default. */
export interface UploaderTiming extends SessionTiming {
  /** Rotate the connection at a fragment boundary after this long; default 40 min (KVS ends it at 45). */
  maxSessionMs?: number;
  /** End a live session after this long without a fragment; default 20 s (KVS closes after 30 s idle). */
  idleCloseMs?: number;
  /** Longest range slice while live waits; default 5 s. */
  sliceMs?: number;
  /** Longest live turn while a range waits and live cannot catch up; default 60 s. */
  liveTurnMaxMs?: number;
}

/** What runSession needs from its uploader. */
export interface SessionContext {
  kind: 'live' | 'range';
  streamName: string;
  region: string;
  log: Logger;
  credentials: CredentialSource;
  endpoint: DataEndpointCache;
  ledger: UploadLedger;
  /** Asks KVS what an interrupted session delivered (ListFragments). */
  check: DeliveryCheck;
  signal: AbortSignal;
  /** Aborted when the stop budget is spent: the open session is cut at once. */
  hardStop: AbortSignal;
  notifier: Notifier;
  timing: UploaderTiming;
  maxInFlightBytes: number;
  endOfFragmentTags: boolean;
  emit: (name: string, payload: unknown) => void;
  beforeConnect: (header: StreamHeader) => Promise<void>;
  onPersisted: (f: Fragment) => void;
  onRejected: (f: Fragment) => void;
  /** After a fragment: should this session give the connection to the other side now? */
  shouldYield: (elapsedMs: number) => boolean;
  /** With nothing to send: end now (someone else waits) rather than idle? */
  yieldWhenIdle: () => boolean;
  /** The stream's ERROR ACK counts per fragment, kept across its sessions (owned by the uploader). */
  errorCounts: FragmentErrorCounts;
}

type State = 'sent' | 'BUFFERING' | 'RECEIVED';
interface Entry {
  picked: Picked;
  state: State;
}

// A fragment that keeps getting retriable ERROR ACKs (an unknown id, a persistent 5001) is skipped
// after this many, so one bad fragment cannot hold a stream forever.
const MAX_ERRORS_PER_FRAGMENT = 5;
// Per-fragment error counts kept across sessions; bounded, oldest forgotten first.
const MAX_ERROR_COUNTS = 1000;

/** ERROR ACKs per fragment start of one stream, so a fragment is skipped after too many. */
export class FragmentErrorCounts {
  readonly #counts = new Map<number, number>();

  /** Counts one more error for the fragment starting at startMs; returns the new count. */
  add(startMs: number): number {
    const count = (this.#counts.get(startMs) ?? 0) + 1;
    this.#counts.delete(startMs);
    this.#counts.set(startMs, count);
    if (this.#counts.size > MAX_ERROR_COUNTS) this.#counts.delete(this.#counts.keys().next().value as number);
    return count;
  }

  forget(startMs: number): void {
    this.#counts.delete(startMs);
  }
}

function sameHeader(a: StreamHeader, b: StreamHeader): boolean {
  return a === b || a.bytes.equals(b.bytes);
}

/** 'empty' when the source had nothing; 'done' after a clean end; throws the session's failure. */
export async function runSession(ctx: SessionContext, source: FragmentSource): Promise<'empty' | 'done'> {
  const first = await source.next();
  if (!first) return 'empty';
  const header = first.fragment.header;
  const inflight = new Map<number, Entry>();
  let inflightBytes = 0;
  const timing = ctx.timing;
  const stream = ctx.streamName;
  const errorCounts = ctx.errorCounts;

  const markPersisted = (picked: Picked, fragmentNumber: string): void => {
    const f = picked.fragment;
    errorCounts.forget(f.startMs);
    ctx.ledger.add({ startMs: f.startMs, endMs: f.endMs });
    ctx.onPersisted(f);
    ctx.emit('persisted', {
      stream,
      startMs: f.startMs,
      endMs: f.endMs,
      fragmentNumber,
      origin: picked.origin,
    });
  };

  const onAck = (ack: Ack): void => {
    const tc = ack.fragmentTimecode;
    const e = tc === undefined ? undefined : inflight.get(tc);
    if (ack.eventType === 'BUFFERING' || ack.eventType === 'RECEIVED') {
      if (!e) return;
      e.state = ack.eventType;
      if (ack.eventType === 'RECEIVED') {
        const f = e.picked.fragment;
        ctx.emit('received', {
          stream,
          startMs: f.startMs,
          endMs: f.endMs,
          origin: e.picked.origin,
          atMs: Date.now(),
        });
      }
    } else if (ack.eventType === 'PERSISTED') {
      if (!e || tc === undefined) return;
      inflight.delete(tc);
      inflightBytes -= e.picked.fragment.bytes.length;
      markPersisted(e.picked, ack.fragmentNumber ?? '');
      ctx.notifier.notify();
    } else if (ack.eventType === 'ERROR') {
      onErrorAck(ack, e);
    }
  };

  const onErrorAck = (ack: Ack, matched: Entry | undefined): void => {
    const id = ack.errorId ?? 0;
    const action = ackErrorAction(id);
    // Some services echo timecode 0 on errors: blame the oldest fragment not yet fully received.
    const entries = [...inflight.values()];
    const e = matched ?? entries.find((x) => x.state !== 'RECEIVED') ?? entries[0];
    if (!e || id === 4003) return;
    const f = e.picked.fragment;
    const count = ctx.errorCounts.add(f.startMs);
    if (action.retriable && count < MAX_ERRORS_PER_FRAGMENT) return;
    inflight.delete(f.startMs);
    inflightBytes -= f.bytes.length;
    ctx.errorCounts.forget(f.startMs);
    const reason = action.retriable ? `${action.advice} (gave up after ${count} errors)` : action.advice;
    ctx.log.warn(
      { startMs: f.startMs, endMs: f.endMs, errorId: id, errorCode: ack.errorCode },
      `KVS rejected a fragment; skipping it: ${reason}`,
    );
    ctx.onRejected(f);
    ctx.emit('skipped', {
      stream,
      startMs: f.startMs,
      endMs: f.endMs,
      errorId: id,
      errorCode: ack.errorCode ?? '',
      reason,
    });
  };

  let pending: Picked | undefined = first;
  let session: PutMediaSession | undefined;
  const cut = (): void => session?.abort();
  ctx.hardStop.addEventListener('abort', cut);
  try {
    if (ctx.hardStop.aborted) throw new PutMediaBodyError(`uploader for ${stream} stopped`);
    // The SDK retries these by itself for a long time when the uplink is down; a stop must not wait.
    await abortable(ctx.beforeConnect(header), ctx.hardStop);
    const request = await signPutMedia({
      endpoint: await abortable(ctx.endpoint.get(), ctx.hardStop),
      region: ctx.region,
      streamName: stream,
      producerStartMs: first.fragment.startMs,
      credentials: await abortable(ctx.credentials.get(), ctx.hardStop),
    });
    const opening = PutMediaSession.open({
      request,
      streamName: stream,
      headerBytes: header.bytes,
      onAck,
      log: ctx.log,
      endOfFragmentTags: ctx.endOfFragmentTags,
      ...pick(timing),
    });
    try {
      session = await abortable(opening, ctx.hardStop);
    } catch (err) {
      // Stopped while connecting: a connection that opens after all is closed at once.
      void opening.then(
        (s) => s.abort(),
        () => undefined,
      );
      throw err;
    }
    const s = session;
    void s.done.then(() => ctx.notifier.notify());
    ctx.emit('session', { stream, event: 'open', source: ctx.kind });
    ctx.log.debug({ source: ctx.kind }, 'PutMedia session open');
    const openedAt = Date.now();
    let lastStart = -Infinity;
    for (;;) {
      if (pending) {
        const f = pending.fragment;
        if (!sameHeader(f.header, header)) break; // a new header generation needs a new session
        if (f.startMs <= lastStart) {
          const reason = `fragment at ${f.startMs} is not after the previous one (${lastStart}); skipped to avoid 4004`;
          ctx.log.warn({ startMs: f.startMs }, reason);
          ctx.emit('skipped', {
            stream,
            startMs: f.startMs,
            endMs: f.endMs,
            errorId: 4004,
            errorCode: 'OUT_OF_ORDER',
            reason,
          });
        } else {
          inflight.set(f.startMs, { picked: pending, state: 'sent' });
          inflightBytes += f.bytes.length;
          lastStart = f.startMs;
          pending = undefined;
          await s.send(f.bytes);
          while (inflightBytes > ctx.maxInFlightBytes && s.isOpen && !ctx.signal.aborted)
            await ctx.notifier.wait();
        }
        pending = undefined;
      }
      if (!s.isOpen) throw s.failure ?? new PutMediaBodyError(`PutMedia session for ${stream} closed`);
      const age = Date.now() - openedAt;
      if (ctx.signal.aborted || age >= (timing.maxSessionMs ?? 40 * 60_000) || ctx.shouldYield(age)) break;
      pending = await source.next();
      if (!pending && ctx.kind === 'live') pending = await waitForLive(ctx, source, s);
      if (!pending) break;
    }
    const reason = await s.finish();
    if (reason) throw reason;
    if (inflight.size > 0) {
      throw new PutMediaBodyError(
        `PutMedia for ${stream} ended with ${inflight.size} fragment(s) not PERSISTED; resending`,
      );
    }
    return 'done';
  } catch (err) {
    session?.abort();
    throw err;
  } finally {
    ctx.hardStop.removeEventListener('abort', cut);
    const back = await stillMissing(
      ctx,
      [...inflight.values()].map((e) => e.picked),
      markPersisted,
    );
    if (pending) back.push(pending);
    await source.giveBack(back);
    if (session) {
      ctx.emit('session', {
        stream,
        event: 'close',
        source: ctx.kind,
        ...(session.failure ? { reason: session.failure.message } : {}),
      });
    }
  }
}

/**
 * Of fragments sent but never acknowledged, those KVS does not hold (see delivery-check.ts); the
 * ones it holds are recorded as persisted here, so they are never sent twice.
 */
async function stillMissing(
  ctx: SessionContext,
  sent: Picked[],
  markPersisted: (p: Picked, fragmentNumber: string) => void,
): Promise<Picked[]> {
  const first = sent[0];
  const last = sent[sent.length - 1];
  if (!first || !last) return sent;
  const held = await ctx.check.held(first.fragment.startMs, last.fragment.startMs, ctx.signal);
  if (!held) {
    if (!ctx.signal.aborted) ctx.check.stats.resentUnverified += sent.length;
    return sent;
  }
  const missing: Picked[] = [];
  for (const p of sent) {
    if (held.has(p.fragment.startMs)) {
      ctx.check.stats.foundHeld++;
      markPersisted(p, '');
    } else missing.push(p);
  }
  if (missing.length < sent.length) {
    ctx.log.info(
      { held: sent.length - missing.length, missing: missing.length },
      'interrupted session: KVS holds some unacknowledged fragments; only the missing are resent',
    );
  }
  return missing;
}

/** Waits for the next live fragment; undefined when the session should end instead. */
async function waitForLive(
  ctx: SessionContext,
  source: FragmentSource,
  s: PutMediaSession,
): Promise<Picked | undefined> {
  const idleMs = ctx.timing.idleCloseMs ?? 20_000;
  const since = Date.now();
  for (;;) {
    if (ctx.signal.aborted || !s.isOpen || ctx.yieldWhenIdle()) return undefined;
    const left = idleMs - (Date.now() - since);
    if (left <= 0) return undefined;
    await ctx.notifier.wait(left);
    const next = await source.next();
    if (next) return next;
  }
}

/** `p`, or a rejection as soon as `signal` aborts (the work behind `p` is left to finish by itself). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new PutMediaBodyError('uploader stopped'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new PutMediaBodyError('uploader stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function pick(t: UploaderTiming): {
  responseTimeoutMs?: number;
  ackTimeoutMs?: number;
  finishTimeoutMs?: number;
} {
  return {
    ...(t.responseTimeoutMs !== undefined ? { responseTimeoutMs: t.responseTimeoutMs } : {}),
    ...(t.ackTimeoutMs !== undefined ? { ackTimeoutMs: t.ackTimeoutMs } : {}),
    ...(t.finishTimeoutMs !== undefined ? { finishTimeoutMs: t.finishTimeoutMs } : {}),
  };
}
