// The one error type of VOD publishing. `code` is what callers and the status report branch on; the
// message names the thing that failed and what to do about it.

/** Why a publish, setup, harvest or status call failed. */
export type VodErrorCode =
  | 'config'
  | 'no-recording'
  | 'unsupported-codec'
  | 'conversion-failed'
  | 'bucket-missing'
  | 'access-denied'
  | 'upload-failed'
  | 'group-missing'
  | 'asset-conflict'
  | 'create-failed'
  | 'ingest-failed'
  | 'timeout'
  | 'throttled'
  | 'harvest-failed'
  | 'aborted';

/** A VOD failure with a literal code (see VodErrorCode). */
export class VodError extends Error {
  constructor(
    readonly code: VodErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VodError';
  }
}

/** Name and HTTP status of an AWS SDK v3 error, whatever its class. */
export function awsErrorName(err: unknown): { name: string; status?: number } {
  if (err === null || typeof err !== 'object') return { name: String(err) };
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  return status === undefined ? { name } : { name, status };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
