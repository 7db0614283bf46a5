// Run-time fault injection for tests: each knob describes what the next matching request or session
// suffers. One-shot knobs are consumed by the session that picks them up; `times` makes them repeat.

/** An HTTP-level refusal: status, the exception name the client sees, and its message. */
export interface HttpFault {
  status: number;
  errorType: string;
  message?: string;
  /** How many requests it applies to (default 1; Infinity until cleared). */
  times?: number;
}

/** Cut the TCP connection (no ERROR ACK) once a session has received this much. */
export interface CutFault {
  afterFragments?: number;
  afterBytes?: number;
  /** Only sessions of this stream (default: any). */
  stream?: string;
  times?: number;
}

/** Answer ERROR with this id instead of accepting the fragment after `afterFragments` good ones. */
export interface ErrorAckFault {
  errorId: number;
  /** Defaults to the real symbolic code for the id. */
  errorCode?: string;
  afterFragments?: number;
  stream?: string;
  times?: number;
}

/** The fault knobs of a running KVS stand-in. */
export class KvsFaults {
  #refuse: HttpFault | undefined;
  #cut: CutFault | undefined;
  #errorAck: ErrorAckFault | undefined;
  #operations = new Map<string, HttpFault>();
  /** Every ACK is written this much later than it would be (order kept). */
  ackDelayMs = 0;
  #held: { promise: Promise<void>; release: () => void } | undefined;

  /** New PutMedia requests are refused with this HTTP error. */
  refuseConnections(fault: HttpFault): void {
    this.#refuse = { times: 1, ...fault };
  }

  cutConnection(fault: CutFault): void {
    this.#cut = { times: 1, ...fault };
  }

  errorAck(fault: ErrorAckFault): void {
    this.#errorAck = { times: 1, afterFragments: 0, ...fault };
  }

  delayAcks(ms: number): void {
    this.ackDelayMs = ms;
  }

  /**
   * From now on no ACK of any session is written until releaseAcks() (the fragments are still stored,
   * as when KVS has them but its answers are stuck on the way back); order is kept.
   */
  holdAcks(): void {
    if (this.#held) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.#held = { promise, release };
  }

  releaseAcks(): void {
    const held = this.#held;
    this.#held = undefined;
    held?.release();
  }

  get acksHeld(): boolean {
    return this.#held !== undefined;
  }

  /** @internal an ACK waits for this before it is written. */
  ackGate(): Promise<void> | undefined {
    return this.#held?.promise;
  }

  /** The control-plane operation (e.g. 'DescribeStream') fails with this error. */
  failOperation(operation: string, fault: HttpFault): void {
    this.#operations.set(operation, { times: 1, ...fault });
  }

  clear(): void {
    this.#refuse = undefined;
    this.#cut = undefined;
    this.#errorAck = undefined;
    this.#operations.clear();
    this.ackDelayMs = 0;
    this.releaseAcks();
  }

  /** @internal consumed by the PutMedia handler per request. */
  takeRefusal(): HttpFault | undefined {
    return consume(this.#refuse, () => (this.#refuse = undefined));
  }

  /** @internal */
  takeOperationFailure(operation: string): HttpFault | undefined {
    return consume(this.#operations.get(operation), () => this.#operations.delete(operation));
  }

  /** @internal a session claims the cut and error knobs that match its stream when it starts. */
  takeSessionFaults(stream: string): { cut?: CutFault; errorAck?: ErrorAckFault } {
    const matches = (f: { stream?: string } | undefined) =>
      f !== undefined && (f.stream ?? stream) === stream;
    return {
      cut: matches(this.#cut) ? consume(this.#cut, () => (this.#cut = undefined)) : undefined,
      errorAck: matches(this.#errorAck)
        ? consume(this.#errorAck, () => (this.#errorAck = undefined))
        : undefined,
    };
  }
}

function consume<T extends { times?: number }>(fault: T | undefined, remove: () => void): T | undefined {
  if (!fault) return undefined;
  const left = (fault.times ?? 1) - 1;
  if (left <= 0) remove();
  else fault.times = left;
  return fault;
}
