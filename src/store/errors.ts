// Errors callers branch on, each with a literal code.

/** A camera id that cannot be used as a folder name under the recordings root. */
export class InvalidCameraIdError extends Error {
  readonly code = 'STORE_INVALID_CAMERA_ID' as const;
  constructor(cameraId: string) {
    super(
      `camera id ${JSON.stringify(cameraId)} cannot be a recordings folder name: use letters, digits, ` +
        `'-', '_' or '.' (a SiteWise asset id always qualifies)`,
    );
  }
}

/** The store was used after close(). */
export class StoreClosedError extends Error {
  readonly code = 'STORE_CLOSED' as const;
  constructor() {
    super('the recording store is closed; open a new one with openStore()');
  }
}

/** Two live writers for one camera would interleave fragments in one file. */
export class WriterBusyError extends Error {
  readonly code = 'STORE_WRITER_BUSY' as const;
  constructor(cameraId: string) {
    super(`camera ${cameraId} already has an open segment writer; close it before opening another`);
  }
}
