// The last-known configuration: what SiteWise said the last time discovery worked (the hub and its
// cameras: stream names, secret ids, schedules, retention; never a secret's value), kept in the work
// folder so a gateway that boots with its uplink down still records. Replaced atomically (temp file,
// fsync, rename), 0600 in a 0700 folder. Only read when discovery fails at start; any later
// successful discovery replaces it.
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import type { Discovery } from '../sitewise/index.js';

const FILE = 'last-known-config.json';
const VERSION = 1;

/** A saved discovery and when it was saved. */
export interface LastKnown {
  discovery: Discovery;
  savedAt: string;
}

/** See the file comment. */
export class LastKnownConfig {
  readonly file: string;
  readonly #dir: string;
  readonly #log: Logger;
  #saved: string | undefined;
  #failing = false;

  constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.file = path.join(dir, FILE);
    this.#log = log;
  }

  /** Saves `discovery` when it differs from what was saved; a failure is logged once until it works. */
  async save(discovery: Discovery): Promise<void> {
    const body = JSON.stringify({ discovery });
    if (body === this.#saved) return;
    const text = JSON.stringify({ version: VERSION, savedAt: new Date().toISOString(), discovery });
    const tmp = `${this.file}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      if (((await stat(this.#dir)).mode & 0o777) !== 0o700) await chmod(this.#dir, 0o700);
      const h = await open(tmp, 'w', 0o600);
      try {
        await h.writeFile(text);
        await h.datasync();
      } finally {
        await h.close();
      }
      await rename(tmp, this.file);
      this.#saved = body;
      if (this.#failing) this.#log.info({ file: this.file }, 'last-known configuration saved again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing)
        this.#log.error(
          { err, file: this.file },
          'cannot save the last-known configuration; a start without uplink would record nothing',
        );
      this.#failing = true;
    }
  }

  /** The saved configuration, or undefined (none, unreadable, or from an incompatible version). */
  async load(): Promise<LastKnown | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#log.warn({ err, file: this.file }, 'last-known configuration unreadable');
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as { version?: unknown; savedAt?: unknown; discovery?: Discovery };
      const d = parsed.discovery;
      if (parsed.version !== VERSION || !d || !d.hub || !Array.isArray(d.cameras)) {
        this.#log.warn({ file: this.file }, 'last-known configuration has an unknown layout; ignored');
        return undefined;
      }
      return {
        discovery: { ...d, problems: Array.isArray(d.problems) ? d.problems : [] },
        savedAt: String(parsed.savedAt),
      };
    } catch (err) {
      this.#log.warn({ err, file: this.file }, 'last-known configuration is not valid JSON; ignored');
      return undefined;
    }
  }
}
