// Optional persistence for local services: one JSON file per service in a state folder. Writes are
// coalesced (a burst of changes costs one write) and atomic (temp file + rename), so a crash leaves
// either the old or the new state, never half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A service's state file; without a folder every call is a no-op and load() returns undefined. */
export class StateFile<T> {
  readonly #file: string | undefined;
  readonly #snapshot: () => T;
  #pending: NodeJS.Immediate | undefined;

  constructor(stateDir: string | undefined, name: string, snapshot: () => T) {
    this.#snapshot = snapshot;
    if (stateDir === undefined) return;
    mkdirSync(stateDir, { recursive: true });
    this.#file = path.join(stateDir, `${name}.json`);
  }

  /** The saved state, or undefined when there is no folder or no file yet. */
  load(): T | undefined {
    if (this.#file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(
        `state file ${this.#file} is not valid JSON (${String(err)}); move it away to start empty`,
        { cause: err },
      );
    }
  }

  /** Note a change; the file is written once after the current burst of changes. */
  changed(): void {
    if (this.#file === undefined || this.#pending !== undefined) return;
    this.#pending = setImmediate(() => this.flush());
  }

  /** Write now if anything changed (called on stop so nothing is lost). */
  flush(): void {
    if (this.#pending === undefined || this.#file === undefined) return;
    clearImmediate(this.#pending);
    this.#pending = undefined;
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#snapshot()));
    renameSync(tmp, this.#file);
  }
}

/**
 * A service's store and its state file, made together: the store starts from the saved state and the
 * file saves the store's snapshot, so neither can be made first on its own.
 */
export function persistedStore<T, S extends { snapshot(): T }>(
  stateDir: string | undefined,
  name: string,
  make: (saved: T | undefined) => S,
): { store: S; state: StateFile<T> } {
  const state: StateFile<T> = new StateFile(stateDir, name, () => store.snapshot());
  const store = make(state.load());
  return { store, state };
}
