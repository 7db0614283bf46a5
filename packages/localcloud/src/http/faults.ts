import { AwsError } from './errors.js';

/** One armed failure: the next `times` calls of an operation fail with this error. */
export interface InjectedFault {
  code: string;
  message?: string;
  status?: number;
  /** How many calls fail before the operation works again; unlimited when omitted. */
  times?: number;
}

/**
 * Failures armed at run time by tests (or the CLI user) for named operations, so a caller's error
 * handling can be exercised against the real wire format without a special server.
 */
export class FaultInjector {
  readonly #armed = new Map<string, InjectedFault & { remaining: number }>();

  /** Make `operation` (e.g. "CreateAsset") fail with the given error until cleared or used up. */
  fail(operation: string, fault: InjectedFault): void {
    this.#armed.set(operation, { ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Forget one operation's fault, or all of them. */
  clear(operation?: string): void {
    if (operation === undefined) this.#armed.clear();
    else this.#armed.delete(operation);
  }

  /** Throws the armed error for `operation`, if any; services call this first in every operation. */
  check(operation: string): void {
    const fault = this.#armed.get(operation);
    if (fault === undefined) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#armed.delete(operation);
    throw new AwsError(
      fault.code,
      fault.message ?? `injected fault for ${operation}`,
      fault.status ?? (fault.code.includes('Internal') ? 500 : 400),
    );
  }
}
