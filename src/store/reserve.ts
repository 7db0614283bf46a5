// The state reserve: a few MiB of real blocks held in <RecordingsPath>/.kvs-edge/.reserve, so the
// small state files (upload ledger and intent, status journal, last-known configuration when it
// lives there) can still be written when recordings, or another program, fill the file system.
// A state write that meets ENOSPC releases the reserve and tries again; the reserve is taken back
// once enough space is free again (checked after every retention pass). Recordings never use it:
// their writes go through retention's own disk-full handling.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import { errorCode, type StoreFiles } from './files.js';

/** 4 MiB: a ledger of 10 000 ranges is ~300 KB; the journal is compacted well under 1 MiB. */
export const RESERVE_BYTES = 4 * 1024 * 1024;

export class StateReserve {
  readonly file: string;
  readonly #dir: string;
  readonly #files: StoreFiles;
  readonly #log: Logger;
  readonly #bytes: number;
  #held = false;
  #busy: Promise<void> | undefined;

  constructor(stateDir: string, files: StoreFiles, log: Logger, bytes = RESERVE_BYTES) {
    this.#dir = stateDir;
    this.file = path.join(stateDir, '.reserve');
    this.#files = files;
    this.#log = log;
    this.#bytes = bytes;
  }

  /** Whether the reserve is on disk now. */
  get held(): boolean {
    return this.#held;
  }

  /** Takes the reserve if it is not held and at least twice its size is free; never throws. */
  ensure(): Promise<void> {
    this.#busy ??= this.#ensure().finally(() => (this.#busy = undefined));
    return this.#busy;
  }

  async #ensure(): Promise<void> {
    if (this.#held) return;
    try {
      const st = await fsp.stat(this.file).catch(() => undefined);
      if (st?.size === this.#bytes) {
        this.#held = true;
        return;
      }
      const free = await this.#files.freeBytes(path.dirname(this.#dir));
      if (free !== undefined && free < 2 * this.#bytes) return;
      await this.#files.mkdir(this.#dir);
      await this.#files.unlink(this.file).catch(() => undefined);
      const out = await this.#files.create(this.file);
      try {
        // Zeros written for real: a sparse file would reserve nothing.
        await out.write(Buffer.alloc(this.#bytes), 0);
        await out.datasync();
      } finally {
        await out.close();
      }
      this.#held = true;
    } catch (err) {
      await this.#files.unlink(this.file).catch(() => undefined);
      if (errorCode(err) !== 'ENOSPC')
        this.#log.warn({ err, file: this.file }, 'could not set aside the state reserve');
    }
  }

  /**
   * A state write met ENOSPC: frees the reserve. True when something was freed (worth retrying the
   * write), false when it was already gone.
   */
  async release(): Promise<boolean> {
    await this.#busy;
    if (!this.#held) return false;
    this.#held = false;
    try {
      await this.#files.unlink(this.file);
      this.#log.warn(
        { file: this.file, bytes: this.#bytes },
        'disk full: state reserve released so the upload ledger and status journal stay writable',
      );
      return true;
    } catch (err) {
      return errorCode(err) === 'ENOENT'
        ? false
        : (this.#log.warn({ err }, 'could not release the state reserve'), false);
    }
  }
}
