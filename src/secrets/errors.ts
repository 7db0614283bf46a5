/** Why a camera's RTSP URL could not be read from its secret. Messages never contain the secret value. */
export class SecretError extends Error {
  constructor(
    readonly code:
      'SECRET_NOT_FOUND' | 'SECRET_UNREADABLE' | 'SECRET_NOT_JSON' | 'SECRET_KEY_MISSING' | 'SECRET_NOT_RTSP',
    message: string,
    /** The secret id (ARN or name), never its value. */
    readonly secretId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretError';
  }

  /** Worth retrying soon: the service or the network failed, not the secret's content. */
  get retriable(): boolean {
    return this.code === 'SECRET_UNREADABLE';
  }
}
