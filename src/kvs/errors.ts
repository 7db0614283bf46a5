// Errors of the KVS uploader. Callers branch on `code` (a literal per class); `retriable` says whether
// the uploader reconnects by itself. Messages name the stream and what to do.

/** Every error the kvs/ folder throws or reports; `code` is the literal callers branch on. */
export abstract class KvsError extends Error {
  abstract readonly code: string;
  /** True when reconnecting (after backoff) may succeed without anyone changing anything. */
  abstract readonly retriable: boolean;
}

/** The stream cannot be used as configured (retention 0, being deleted, create failed). */
export class StreamProvisionError extends KvsError {
  readonly retriable = false;
  constructor(
    readonly code: 'KVS_STREAM_NO_RETENTION' | 'KVS_STREAM_DELETING' | 'KVS_STREAM_NOT_ACTIVE',
    message: string,
  ) {
    super(message);
    this.name = 'StreamProvisionError';
  }
}

/** The TCP/TLS connection to the data endpoint failed before any response (refused, DNS, reset). */
export class PutMediaConnectError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_CONNECT';
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PutMediaConnectError';
  }
}

/**
 * PutMedia answered with an HTTP status other than 200 (throttled, connection limit, auth, endpoint
 * moved). `errorType` is the AWS exception name from x-amz-ErrorType or the JSON body.
 */
export class PutMediaHttpError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_HTTP';
  readonly retriable: boolean;
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'PutMediaHttpError';
    // 404 is retriable too: the endpoint is re-resolved and DescribeStream tells whether the stream is gone.
    this.retriable =
      status >= 500 ||
      status === 408 ||
      status === 429 ||
      status === 403 ||
      status === 404 ||
      status === 401 ||
      errorType === 'ClientLimitExceededException' ||
      errorType === 'ConnectionLimitExceededException' ||
      errorType === 'InvalidEndpointException';
  }

  /** The data endpoint should be resolved again before the next attempt. */
  get endpointStale(): boolean {
    return this.status === 404 || this.errorType === 'InvalidEndpointException';
  }

  /** Credentials should be fetched again (expired token, signature from stale keys). */
  get credentialsStale(): boolean {
    return this.status === 403 || this.status === 401;
  }
}

/** No response headers within the deadline after the request was sent. */
export class PutMediaResponseTimeoutError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_RESPONSE_TIMEOUT';
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'PutMediaResponseTimeoutError';
  }
}

/** Fragments were sent but no ACK arrived for too long: the session is stalled and is closed. */
export class PutMediaStalledError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_ACK_TIMEOUT';
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'PutMediaStalledError';
  }
}

/** The connection broke after the 200 response (socket reset, response ended while sending). */
export class PutMediaBodyError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_BODY';
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PutMediaBodyError';
  }
}

/** The service sent an ERROR ACK; it closes the connection after it. */
export class PutMediaAckError extends KvsError {
  readonly code = 'KVS_PUTMEDIA_ACK_ERROR';
  readonly retriable: boolean;
  constructor(
    readonly errorId: number,
    readonly errorCode: string,
    readonly fragmentTimecode: number | undefined,
    retriable: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'PutMediaAckError';
    this.retriable = retriable;
  }
}

/** The response carried something that is not an ACK stream (oversized or malformed JSON object). */
export class AckParseError extends KvsError {
  readonly code = 'KVS_ACK_PARSE';
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'AckParseError';
  }
}
