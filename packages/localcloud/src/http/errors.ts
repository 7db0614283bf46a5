/** An error a local service answers with, named exactly like the AWS error shape the SDK maps it to. */
export class AwsError extends Error {
  constructor(
    /** The AWS error code (shape name), e.g. ResourceNotFoundException. */
    readonly code: string,
    message: string,
    /** HTTP status the real service uses for this error. */
    readonly status = 400,
    /** Extra members of the error shape (e.g. resourceId). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * The JSON body of an AWS JSON request ({} when empty). A body that is not JSON is the service's own
 * error shape `code`, as each real service names it differently.
 */
export function jsonBody(raw: Buffer, code: string): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AwsError(code, 'request body is not JSON');
  }
}
