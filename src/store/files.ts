// The few file operations the store performs, behind an interface so a test can stand in a disk
// that fills up when a real size-limited mount (tmpfs) is not permitted. Production uses nodeFiles.
import { promises as fsp, constants } from 'node:fs';
import path from 'node:path';
import { DIR_MODE, FILE_MODE } from './naming.js';

/** An open segment or temp file: positional writes only, so a failed write never shifts the next. */
export interface WritableFile {
  write(data: Buffer, position: number): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** File-system operations used by the writer, ledger and retention. */
export interface StoreFiles {
  /** Creates a new file (fails with EEXIST if it exists), owner read/write only. */
  create(file: string): Promise<WritableFile>;
  /** Creates the folder (and parents) if missing; the folder itself ends owner-only (0700). */
  mkdir(dir: string): Promise<void>;
  unlink(file: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  truncate(file: string, length: number): Promise<void>;
  /** fsync a directory so a created, renamed or deleted entry survives power loss. */
  syncDir(dir: string): Promise<void>;
  /** Bytes available to this user on the file system holding `dir`; undefined when unknown. */
  freeBytes(dir: string): Promise<number | undefined>;
}

export const nodeFiles: StoreFiles = {
  async create(file) {
    const h = await fsp.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, FILE_MODE);
    return {
      async write(data, position) {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await h.write(data, done, data.length - done, position + done);
          done += bytesWritten;
        }
      },
      datasync: () => h.datasync(),
      truncate: (length) => h.truncate(length),
      close: () => h.close(),
    };
  },
  async mkdir(dir) {
    await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
    // mkdir leaves an existing folder's mode alone; a camera or state folder made wider by hand (or
    // by an older version) is narrowed again, because recordings show people and places.
    const st = await fsp.stat(dir);
    if ((st.mode & 0o777) !== DIR_MODE) await fsp.chmod(dir, DIR_MODE);
  },
  unlink: (file) => fsp.unlink(file),
  rename: (from, to) => fsp.rename(from, to),
  truncate: (file, length) => fsp.truncate(file, length),
  async syncDir(dir) {
    const h = await fsp.open(dir, constants.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  },
  async freeBytes(dir) {
    try {
      const s = await fsp.statfs(dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  },
};

/** Node error code of an unknown thrown value, if any. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

export function parentDir(file: string): string {
  return path.dirname(file);
}
