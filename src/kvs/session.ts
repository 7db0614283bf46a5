// One PutMedia request: the signed POST, a chunked body that starts with the stream header and
// carries one fragment after another, and the ACK stream read concurrently from the response.
//
// The session knows nothing about which fragment is which beyond counting what still awaits an
// ACK (for stall detection); the uploader maps ACKs to fragments by timecode. A session ends once:
// `done` resolves with undefined after a clean finish() or with the KvsError that ended it, named
// by phase (connect, response headers, ACK idle, body, ERROR ACK).
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../log/index.js';
import { AckParser, type Ack } from './ack-parser.js';
import { ackErrorAction } from './error-ids.js';
import {
  AckParseError,
  KvsError,
  PutMediaAckError,
  PutMediaBodyError,
  PutMediaConnectError,
  PutMediaResponseTimeoutError,
  PutMediaStalledError,
} from './errors.js';
import type { SignedPutMedia } from './signer.js';
import { END_OF_FRAGMENT_TAG, httpError } from './wire.js';

/** Timeouts of one session. */
export interface SessionTiming {
  /** Response headers must arrive this long after the request starts; default 10 s (PIC's completion timeout). */
  responseTimeoutMs?: number;
  /** Fragments await an ACK and nothing moved (no ACK, no drained write) this long: stalled. Default 20 s. */
  ackTimeoutMs?: number;
  /** After finish(), how long to wait for the last ACKs and the end of the response. Default 10 s. */
  finishTimeoutMs?: number;
}

/** What a session needs to start. */
export interface SessionOptions extends SessionTiming {
  request: SignedPutMedia;
  streamName: string;
  /** EBML header + Segment + Info + Tracks for this session. */
  headerBytes: Buffer;
  onAck: (ack: Ack) => void;
  log: Logger;
  /** Append an end-of-fragment tag after every fragment so KVS closes it at once (see endOfFragmentTag). */
  endOfFragmentTags?: boolean;
}

// Largest error body we read from a refused request; AWS error JSON is a few hundred bytes.
const MAX_ERROR_BODY = 16 * 1024;

/** A live PutMedia request; see the file comment. */
export class PutMediaSession {
  /** Resolves once when the session is over: undefined after a clean finish, else the reason. */
  readonly done: Promise<KvsError | undefined>;
  readonly openedAt = Date.now();
  readonly #opts: SessionOptions;
  readonly #req: http.ClientRequest;
  readonly #parser = new AckParser();
  #res: http.IncomingMessage | undefined;
  #resolveDone!: (e: KvsError | undefined) => void;
  #failure: KvsError | undefined;
  #ended = false;
  #finishing = false;
  #bodyEnded = false;
  #outstanding = 0;
  #lastProgress = Date.now();
  #stallTimer: NodeJS.Timeout | undefined;
  #responseTimer: NodeJS.Timeout | undefined;
  #finishTimer: NodeJS.Timeout | undefined;
  readonly #responded: Promise<void>;
  #bytesSent = 0;
  readonly #drainWaiters = new Set<() => void>();

  private constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    const r = opts.request;
    const transport = r.protocol === 'http:' ? http : https;
    this.#req = transport.request({
      method: 'POST',
      hostname: r.hostname,
      port: r.port,
      path: r.path,
      headers: r.headers,
      // A PutMedia connection is never reused for another request.
      agent: false,
    });
    this.#responded = new Promise((resolve) => {
      // A refusal resolves through `done` once its error body is read.
      this.#req.once('response', (res) => {
        if (this.#onResponse(res)) resolve();
      });
      void this.done.then(() => resolve());
    });
    this.#req.on('error', (err) => {
      if (this.#res)
        this.#fail(
          new PutMediaBodyError(`PutMedia body to ${opts.streamName} broke: ${err.message}`, { cause: err }),
        );
      else
        this.#fail(
          new PutMediaConnectError(`cannot connect to PutMedia for ${opts.streamName}: ${err.message}`, {
            cause: err,
          }),
        );
    });
    const ackTimeout = opts.ackTimeoutMs ?? 20_000;
    // Checking four times per timeout keeps detection within 125 % of the timeout.
    this.#stallTimer = setInterval(() => this.#checkStall(ackTimeout), Math.max(10, ackTimeout / 4));
    this.#responseTimer = setTimeout(() => {
      if (!this.#res) {
        this.#fail(
          new PutMediaResponseTimeoutError(
            `PutMedia for ${opts.streamName} sent no response headers in time`,
          ),
        );
      }
    }, opts.responseTimeoutMs ?? 10_000);
  }

  /**
   * Connects, sends the stream header, and waits for the 200 response. Rejects with the phase error
   * (connect, HTTP status, response timeout) when the session cannot start.
   */
  static async open(opts: SessionOptions): Promise<PutMediaSession> {
    const s = new PutMediaSession(opts);
    s.#req.flushHeaders();
    s.#write(opts.headerBytes);
    await s.#responded;
    if (s.#failure) throw s.#failure;
    return s;
  }

  /** Bytes of Matroska written so far. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Why the session ended (undefined while open or after a clean finish). */
  get failure(): KvsError | undefined {
    return this.#failure;
  }

  get isOpen(): boolean {
    return !this.#ended && !this.#finishing;
  }

  /** Writes one fragment (and its end tag); resolves when the socket can take more (backpressure). */
  async send(cluster: Buffer): Promise<void> {
    if (!this.isOpen)
      throw this.#failure ?? new PutMediaBodyError(`PutMedia session for ${this.#opts.streamName} is closed`);
    if (this.#outstanding === 0) this.#lastProgress = Date.now();
    this.#outstanding += 1;
    let ok = this.#write(cluster);
    if (this.#opts.endOfFragmentTags !== false) ok = this.#write(END_OF_FRAGMENT_TAG) && ok;
    if (!ok) await this.#drained();
    if (this.#failure) throw this.#failure;
  }

  /**
   * Waits for the remaining ACKs, then ends the body and waits for the end of the response. The body
   * stays open until the last fragment is PERSISTED, as the official producer keeps it: KVS may stop
   * acknowledging once a body has ended, and a fragment whose ACK never came would be sent again.
   */
  async finish(): Promise<KvsError | undefined> {
    if (!this.#ended && !this.#finishing) {
      this.#finishing = true;
      const ms = this.#opts.finishTimeoutMs ?? 10_000;
      this.#finishTimer = setTimeout(() => {
        if (this.#outstanding === 0) this.#end(undefined);
        else {
          this.#fail(
            new PutMediaStalledError(
              `PutMedia for ${this.#opts.streamName}: ${this.#outstanding} fragment(s) not acknowledged ` +
                `${Math.round(ms / 1000)} s after the last one was sent; checking what KVS holds`,
            ),
          );
        }
      }, ms);
      this.#endBodyWhenAcknowledged();
    }
    return this.done;
  }

  #endBodyWhenAcknowledged(): void {
    if (this.#ended || this.#bodyEnded || !this.#finishing) return;
    // Without end-of-fragment tags KVS can only close the last fragment when the body ends, so its ACK
    // never comes while the body is open: end it now and let the finish timer wait for that ACK.
    if (this.#outstanding > 0 && this.#opts.endOfFragmentTags !== false) return;
    this.#bodyEnded = true;
    this.#req.end();
  }

  /** Closes at once (stop without waiting, or after a failure). */
  abort(reason?: KvsError): void {
    this.#fail(reason ?? new PutMediaBodyError(`PutMedia session for ${this.#opts.streamName} aborted`));
  }

  #write(bytes: Buffer): boolean {
    this.#bytesSent += bytes.length;
    return this.#req.write(bytes);
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const onDrain = (): void => {
        this.#lastProgress = Date.now();
        this.#drainWaiters.delete(release);
        resolve();
      };
      // Released by the drain or by the end of the session, whichever comes first.
      const release = (): void => {
        this.#req.off('drain', onDrain);
        resolve();
      };
      this.#drainWaiters.add(release);
      this.#req.once('drain', onDrain);
    });
  }

  #onResponse(res: http.IncomingMessage): boolean {
    this.#res = res;
    clearTimeout(this.#responseTimer);
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_ERROR_BODY) body += d;
      });
      const done = (): void => this.#fail(httpError(this.#opts.streamName, status, res.headers, body));
      res.once('end', done);
      res.once('error', done);
      res.once('close', done);
      return false;
    }
    res.on('data', (chunk: Buffer) => this.#onData(chunk));
    res.once('end', () => {
      if (this.#finishing) this.#end(undefined);
      else
        this.#fail(
          new PutMediaBodyError(`PutMedia for ${this.#opts.streamName} ended the response while sending`),
        );
    });
    res.once('error', (err) =>
      this.#fail(
        new PutMediaBodyError(`PutMedia response for ${this.#opts.streamName} broke: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    return true;
  }

  #onData(chunk: Buffer): void {
    let acks: Ack[];
    try {
      acks = this.#parser.push(chunk);
    } catch (err) {
      this.#fail(err instanceof AckParseError ? err : new AckParseError(String(err)));
      return;
    }
    for (const ack of acks) {
      if (this.#ended) return;
      if (ack.eventType !== 'IDLE') this.#lastProgress = Date.now();
      if (ack.eventType === 'PERSISTED') this.#outstanding = Math.max(0, this.#outstanding - 1);
      this.#opts.onAck(ack);
      if (ack.eventType === 'PERSISTED') this.#endBodyWhenAcknowledged();
      if (ack.eventType === 'ERROR') {
        const id = ack.errorId ?? 0;
        const action = ackErrorAction(id);
        // The service closes the connection after every ERROR ACK; close our side now.
        this.#fail(
          new PutMediaAckError(
            id,
            ack.errorCode ?? 'UNKNOWN',
            ack.fragmentTimecode,
            action.retriable,
            `KVS stream ${this.#opts.streamName} rejected fragment ${ack.fragmentTimecode ?? '?'} with ` +
              `${id} ${ack.errorCode ?? ''}: ${action.advice}`,
          ),
        );
      }
    }
  }

  #checkStall(timeoutMs: number): void {
    if (this.#ended || this.#outstanding === 0) return;
    if (Date.now() - this.#lastProgress >= timeoutMs) {
      this.#fail(
        new PutMediaStalledError(
          `PutMedia for ${this.#opts.streamName}: no ACK for ${Math.round(timeoutMs / 1000)} s with ` +
            `${this.#outstanding} fragment(s) outstanding; reconnecting`,
        ),
      );
    }
  }

  #fail(err: KvsError): void {
    if (this.#ended) return;
    this.#failure = err;
    this.#end(err);
  }

  #end(reason: KvsError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#stallTimer);
    clearTimeout(this.#responseTimer);
    clearTimeout(this.#finishTimer);
    this.#req.destroy();
    this.#res?.destroy();
    for (const release of this.#drainWaiters) release();
    this.#drainWaiters.clear();
    this.#resolveDone(reason);
  }
}
