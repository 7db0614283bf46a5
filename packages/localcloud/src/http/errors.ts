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
