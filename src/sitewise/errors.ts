/** Why the hub could not be used; the connector cannot run any camera until it is fixed. */
export class HubError extends Error {
  constructor(
    readonly code: 'HUB_UNSET' | 'HUB_NOT_FOUND' | 'HUB_MODEL_MISMATCH' | 'HUB_NO_HIERARCHY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
  }
}

/** A VideoUploadRequest value or notification we will not act on; `value` is what was received. */
export class RequestError extends Error {
  constructor(
    readonly code:
      'REQUEST_MALFORMED' | 'REQUEST_INVALID_RANGE' | 'REQUEST_NOT_RECORDED' | 'NOTIFICATION_MALFORMED',
    message: string,
    readonly value: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Error shape of the AWS SDK v3 (name is the AWS error code). */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** A short, secret-free description of an SDK error for messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
