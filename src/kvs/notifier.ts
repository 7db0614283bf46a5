// A level-free wake-up: waiters resolve on the next notify() or on a timeout.

/** Wakes the uploader loop when work arrives or state changes. */
export class Notifier {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    const w = [...this.#waiters];
    this.#waiters.clear();
    for (const resolve of w) resolve();
  }

  /** Resolves on the next notify() or after timeoutMs (if given). */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
  }
}
