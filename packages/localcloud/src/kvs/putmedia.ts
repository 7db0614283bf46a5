// POST /putMedia: the admission checks KVS makes before answering 200 (signature, headers, stream,
// call rate, one connection per stream), then one long response that streams ACK objects while the
// chunked Matroska body is still arriving. Session rules live in session.ts, the ACK stream of one
// admitted connection in active-session.ts; this file owns admission.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ActiveSession, type PutMediaContext } from './active-session.js';
import { sendError } from './http.js';
import { PutMediaSession } from './session.js';
import { AuthError, verifySigV4 } from './sigv4.js';

// PutMedia quota: 5 calls per second per stream.
const MAX_CALLS_PER_SECOND = 5;

/** Admits PutMedia requests and runs one ActiveSession per stream. */
export class PutMediaEndpoint {
  readonly #ctx: PutMediaContext;
  readonly #active = new Map<string, ActiveSession>();
  readonly #calls = new Map<string, number[]>();
  #sessionIds = 0;

  constructor(ctx: PutMediaContext) {
    this.#ctx = ctx;
  }

  /** Streams with an open PutMedia connection. */
  activeStreams(): string[] {
    return [...this.#active.keys()];
  }

  /** Cuts the open connections (of one stream, or all) now; returns how many. */
  cut(stream?: string): number {
    let n = 0;
    for (const [name, s] of [...this.#active]) {
      if (stream !== undefined && name !== stream) continue;
      s.cut();
      n++;
    }
    return n;
  }

  stop(): void {
    for (const s of this.#active.values()) s.close();
    this.#active.clear();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.#ctx;
    const refuse = (
      status: number,
      type: string,
      message: string,
      key: 'Message' | 'message' = 'Message',
    ) => {
      req.resume();
      sendError(res, status, type, message, key);
    };
    const refusal = ctx.faults.takeRefusal();
    if (refusal)
      return refuse(refusal.status, refusal.errorType, refusal.message ?? 'refused by fault injection');
    try {
      verifySigV4(req, 'kinesisvideo', ctx.credentials);
    } catch (err) {
      if (err instanceof AuthError) return refuse(403, err.errorType, err.message, 'message');
      throw err;
    }
    const name = req.headers['x-amzn-stream-name'];
    const arn = req.headers['x-amzn-stream-arn'];
    if ((name === undefined) === (arn === undefined)) {
      return refuse(
        400,
        'InvalidArgumentException',
        'exactly one of x-amzn-stream-name and x-amzn-stream-arn is required',
      );
    }
    const timecodeType = req.headers['x-amzn-fragment-timecode-type'];
    if (timecodeType !== 'ABSOLUTE' && timecodeType !== 'RELATIVE') {
      return refuse(
        400,
        'InvalidArgumentException',
        'x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE',
      );
    }
    const startHeader = req.headers['x-amzn-producer-start-timestamp'];
    if (
      startHeader !== undefined ? !/^\d+(\.\d+)?$/.test(String(startHeader)) : timecodeType === 'RELATIVE'
    ) {
      return refuse(
        400,
        'InvalidArgumentException',
        'x-amzn-producer-start-timestamp must be epoch seconds, e.g. 1700000000.123',
      );
    }
    const stream = ctx.streams.get({
      StreamName: name as string | undefined,
      StreamARN: arn as string | undefined,
    });
    if (!stream)
      return refuse(404, 'ResourceNotFoundException', `The requested stream ${name ?? arn} was not found`);
    // The real service's answer for a stream that exists but is not ACTIVE yet is the same 404 with the
    // message "The requested stream is not found or not active." (seen in producer logs); the official
    // producer does not wait for ACTIVE after CreateStream and goes back to DescribeStream on a 404
    // (docs/localcloud-kvs.md, "PutMedia right after CreateStream").
    if (stream.Status !== 'ACTIVE')
      return refuse(404, 'ResourceNotFoundException', 'The requested stream is not found or not active.');
    const now = Date.now();
    const calls = (this.#calls.get(stream.StreamName) ?? []).filter((t) => now - t < 1000);
    if (calls.length >= MAX_CALLS_PER_SECOND) {
      return refuse(
        400,
        'ClientLimitExceededException',
        `more than ${MAX_CALLS_PER_SECOND} PutMedia calls per second`,
      );
    }
    calls.push(now);
    this.#calls.set(stream.StreamName, calls);
    if (this.#active.has(stream.StreamName)) {
      return refuse(
        400,
        'ConnectionLimitExceededException',
        `stream ${stream.StreamName} already has a PutMedia connection`,
      );
    }
    const session = new ActiveSession(this.#ctx, {
      id: ++this.#sessionIds,
      streamName: stream.StreamName,
      persisted: stream.DataRetentionInHours > 0,
      parser: new PutMediaSession({
        timecodeType,
        producerStartMs: startHeader === undefined ? 0 : Math.round(Number(startHeader) * 1000),
        limits: ctx.limits,
      }),
      ...ctx.faults.takeSessionFaults(stream.StreamName),
      req,
      res,
      onDone: () => {
        if (this.#active.get(stream.StreamName) === session) this.#active.delete(stream.StreamName);
      },
    });
    this.#active.set(stream.StreamName, session);
    session.start();
  }
}
