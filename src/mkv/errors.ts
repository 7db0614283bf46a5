// One error class for everything malformed or unsupported in Matroska input, with a literal code
// callers branch on (a live source restarts the camera; a file reader stops at the last good cluster).

/** What went wrong, machine-readable. */
export type MkvErrorCode =
  | 'INVALID_ID'
  | 'INVALID_VINT'
  | 'ELEMENT_TOO_LARGE'
  | 'UNKNOWN_SIZE_NOT_ALLOWED'
  | 'INVALID_BLOCK'
  | 'NO_TIME_BASE'
  | 'NOT_MATROSKA';

/** Malformed or unsupported Matroska; `offset` is the byte position in the stream or file. */
export class MkvError extends Error {
  override readonly name = 'MkvError';
  constructor(
    readonly code: MkvErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}
