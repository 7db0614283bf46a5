// Retry pacing, one policy for every retry loop in the component: exponential backoff with "equal
// jitter". After n consecutive failures the ceiling is min(cap, base * 2^(n-1)) and the wait is drawn
// uniformly from [ceiling/2, ceiling]: the random half keeps many gateways (or cameras behind one
// switch) that failed together from retrying in step, and the fixed half keeps a flapping peer from
// being hammered with near-zero waits.
//
// Two caps, by use: KVS PutMedia reconnects stop at 16 s (the producer SDK's cap: live video should
// come back quickly); everything else (camera restarts, secrets, SiteWise status delivery) at 30 s.

/** Base and cap of one use of the policy. */
export interface BackoffPolicy {
  /** Ceiling after the first failure. */
  baseMs: number;
  /** Largest ceiling. */
  capMs: number;
}

/** PutMedia reconnects (KVS producer SDK: 1 s doubling to 16 s). */
export const UPLOAD_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1000, capMs: 16_000 });
/** Every other retry: camera pipeline restarts, secret reads, status delivery. */
export const RETRY_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1000, capMs: 30_000 });

/** The wait after `failures` consecutive failures (0 or fewer waits nothing); `random` is uniform [0, 1). */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A failure counter with the policy attached; tests shrink the policy and pin the random source. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    this.#failures += 1;
    return backoffDelay(this.#failures, this.#policy, this.#random);
  }

  /** Something worked: the next failure starts from the base again. */
  reset(): void {
    this.#failures = 0;
  }

  get failures(): number {
    return this.#failures;
  }
}

/** Resolves after ms, or rejects with the signal's reason when aborted first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
