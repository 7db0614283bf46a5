// The one way tests wait for something: poll a check until it yields a value, with a deadline that
// names what was awaited. Never a sleep as synchronization; the deadline only bounds a failure, so it
// is generous (a busy machine is slow, not wrong).

/** A check's "not yet": undefined or false. Anything else is the awaited value. */
type Pending = undefined | false;

/**
 * Resolves with the first value of `check` that is neither undefined nor false, polling every
 * `everyMs`; rejects after `timeoutMs` with a message naming `what`.
 */
export async function eventually<T>(
  what: string,
  check: () => T | Pending | Promise<T | Pending>,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
