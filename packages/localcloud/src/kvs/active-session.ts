// One admitted PutMedia connection: feeds the chunked body to its PutMediaSession, stores accepted
// fragments, and writes the ACK stream (BUFFERING, RECEIVED, PERSISTED, IDLE, ERROR) in order, with the
// connection-duration and idle timers and the cut / error-ACK fault knobs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ERROR_CODES, type KvsLimits, type SessionOutput } from './contract.js';
import type { KvsFaults, CutFault, ErrorAckFault } from './faults.js';
import type { FragmentStore } from './fragments.js';
import type { PutMediaSession } from './session.js';
import type { CredentialLookup } from './sigv4.js';
import type { StreamTable } from './streams.js';

/** Timing knobs of PutMedia sessions (defaults are the AWS values). */
export interface PutMediaTiming {
  /** The service ends a connection with 4003 after this long (45 min on AWS). */
  maxConnectionDurationMs: number;
  /** IDLE ACK period while no body bytes arrive. */
  idleAckIntervalMs: number;
  /** The request is closed after this long without body bytes (30 s on AWS). */
  idleTimeoutMs: number;
}

/** The stand-in's state a PutMedia connection reads and writes. */
export interface PutMediaContext {
  streams: StreamTable;
  store: FragmentStore;
  faults: KvsFaults;
  credentials: CredentialLookup;
  limits: KvsLimits;
  timing: PutMediaTiming;
  log: Logger | undefined;
}

// After an ERROR ACK the service stops reading; give the client this long to notice before the
// socket is destroyed (closing at once with unread data would reset the connection and could lose
// the ACK in flight).
const LINGER_MS = 2_000;

type Ack = Record<string, string | number>;

/** What PutMediaEndpoint hands an admitted connection. */
export interface SessionSetup {
  id: number;
  streamName: string;
  persisted: boolean;
  parser: PutMediaSession;
  cut?: CutFault;
  errorAck?: ErrorAckFault;
  req: IncomingMessage;
  res: ServerResponse;
  onDone: () => void;
}

/** The ACK stream of one admitted PutMedia connection. */
export class ActiveSession {
  readonly #ctx: PutMediaContext;
  readonly #s: SessionSetup;
  readonly #timers = new Set<NodeJS.Timeout>();
  #acks: Promise<void> = Promise.resolve();
  #bytes = 0;
  #accepted = 0;
  #lastDataAt = Date.now();
  #fragmentNumber: string | undefined;
  #finished = false;
  #ending = false;
  #closed = false;

  constructor(ctx: PutMediaContext, setup: SessionSetup) {
    this.#ctx = ctx;
    this.#s = setup;
  }

  start(): void {
    const { req, res, streamName, id } = this.#s;
    this.#ctx.log?.info({ stream: streamName, session: id }, 'PutMedia session started');
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
    res.flushHeaders();
    res.on('close', () => this.close());
    req.on('error', () => this.close());
    req.on('data', (chunk: Buffer) => this.#onData(chunk));
    req.on('end', () => this.#onEnd());
    const { timing } = this.#ctx;
    this.#timer(
      setTimeout(
        () => this.#fail(4003, 'maximum connection duration reached'),
        timing.maxConnectionDurationMs,
      ),
    );
    this.#timer(setInterval(() => this.#onIdleTick(), timing.idleAckIntervalMs));
  }

  /** Cuts the connection at once, as a dropped link does: no ERROR ACK, no end of the response. */
  cut(): void {
    this.#ctx.log?.info(
      { stream: this.#s.streamName, session: this.#s.id },
      'fault: PutMedia connection cut',
    );
    this.#s.req.socket.destroy();
    this.close();
  }

  /** Tears everything down (socket closed by either side, or the service stopping). */
  close(destroy = true): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#finished = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (destroy && !this.#s.res.writableFinished) this.#s.res.destroy();
    this.#s.onDone();
    this.#ctx.log?.info(
      { stream: this.#s.streamName, session: this.#s.id, fragments: this.#accepted },
      'PutMedia session closed',
    );
  }

  #timer(t: NodeJS.Timeout): void {
    this.#timers.add(t);
  }

  #onIdleTick(): void {
    if (this.#finished) return;
    const quiet = Date.now() - this.#lastDataAt;
    if (quiet >= this.#ctx.timing.idleTimeoutMs) {
      this.#finish(); // KVS closes a request that sent nothing for 30 s
    } else if (quiet >= this.#ctx.timing.idleAckIntervalMs) {
      this.#ack({ EventType: 'IDLE' });
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#finished) return; // lingering after an ERROR: drain and ignore
    this.#lastDataAt = Date.now();
    this.#bytes += chunk.length;
    const cut = this.#s.cut;
    if (cut?.afterBytes !== undefined && this.#bytes > cut.afterBytes) {
      this.#ctx.log?.info(
        { stream: this.#s.streamName, bytes: this.#bytes },
        'fault: cutting PutMedia connection',
      );
      this.#s.req.socket.destroy();
      return this.close();
    }
    this.#apply(this.#s.parser.push(chunk));
  }

  #onEnd(): void {
    if (this.#finished) return;
    this.#apply(this.#s.parser.end());
    this.#finish();
  }

  #apply(outputs: SessionOutput[]): void {
    for (const out of outputs) {
      if (this.#finished) return;
      if (out.kind === 'error') return this.#fail(out.errorId, out.message, out.timecode);
      if (out.kind === 'buffering') {
        const fault = this.#s.errorAck;
        if (fault && this.#accepted >= (fault.afterFragments ?? 0)) {
          return this.#fail(fault.errorId, 'injected fault', out.timecode, fault.errorCode);
        }
        this.#fragmentNumber = this.#ctx.store.nextNumber();
        this.#ack(this.#fragmentAck('BUFFERING', out.timecode));
        continue;
      }
      const stored = this.#ctx.store.add(
        this.#s.streamName,
        this.#fragmentNumber ?? this.#ctx.store.nextNumber(),
        out.fragment,
        this.#s.id,
        Date.now(),
      );
      this.#fragmentNumber = undefined;
      this.#accepted++;
      this.#ack(this.#fragmentAck('RECEIVED', stored.timecode, stored.fragmentNumber));
      // PERSISTED only when the stream keeps data (retention > 0), as on KVS.
      if (this.#s.persisted)
        this.#ack(this.#fragmentAck('PERSISTED', stored.timecode, stored.fragmentNumber));
      const cut = this.#s.cut;
      if (cut?.afterFragments !== undefined && this.#accepted >= cut.afterFragments) {
        this.#finished = true;
        this.#acks = this.#acks.then(() => {
          this.#ctx.log?.info(
            { stream: this.#s.streamName, fragments: this.#accepted },
            'fault: cutting PutMedia connection',
          );
          // FIN without the final chunk: the client reads the ACKs already sent, then a broken response.
          // destroy() right away could reset the connection and lose those ACKs in flight.
          const socket = this.#s.req.socket;
          socket.end();
          const linger = setTimeout(() => socket.destroy(), LINGER_MS);
          socket.once('close', () => clearTimeout(linger));
          this.close(false);
        });
        return;
      }
    }
  }

  #fragmentAck(event: string, timecode: number, fragmentNumber = this.#fragmentNumber): Ack {
    return { EventType: event, FragmentTimecode: timecode, FragmentNumber: fragmentNumber ?? '' };
  }

  #ack(ack: Ack): void {
    this.#acks = this.#acks.then(async () => {
      const gate = this.#ctx.faults.ackGate();
      if (gate) await gate;
      const delay = this.#ctx.faults.ackDelayMs;
      if (delay > 0) await new Promise<void>((resolve) => this.#timer(setTimeout(resolve, delay)));
      const res = this.#s.res;
      if (this.#closed || res.writableEnded) return;
      // Wait for the flush so a following cut or close cannot discard this ACK.
      await new Promise<void>((resolve) => res.write(JSON.stringify(ack), () => resolve()));
    });
  }

  #fail(
    errorId: number,
    message: string,
    timecode = this.#s.parser.currentTimecode,
    errorCode?: string,
  ): void {
    if (this.#finished) return;
    this.#ctx.log?.warn(
      { stream: this.#s.streamName, session: this.#s.id, errorId, message },
      'PutMedia ERROR ACK',
    );
    this.#ack({
      EventType: 'ERROR',
      FragmentTimecode: timecode,
      FragmentNumber: this.#fragmentNumber ?? this.#ctx.store.nextNumber(),
      ErrorId: errorId,
      ErrorCode: errorCode ?? ERROR_CODES[errorId] ?? 'UNKNOWN',
    });
    this.#finish();
  }

  /** Ends the response after the queued ACKs; lingers briefly if the client is still sending. */
  #finish(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#finished = true;
    this.#s.onDone();
    this.#acks = this.#acks.then(() => {
      if (this.#closed) return;
      const { req, res } = this.#s;
      res.end(() => {
        if (req.complete) return;
        req.resume();
        const linger = setTimeout(() => req.socket.destroy(), LINGER_MS);
        req.socket.once('close', () => clearTimeout(linger));
      });
    });
  }
}
