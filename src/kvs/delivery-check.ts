// Exactly once: what KVS actually holds. A PutMedia connection can end with fragments sent but not
// acknowledged (a cut, ACKs held back, a kill); some of them may be stored anyway. Before any of them
// is sent again, and before a range job starts (a restart cannot know what the last run's open
// session delivered), the uploader asks ListFragments by producer timestamp, through the
// archived-media endpoint, and sends only what is missing. The official producer resends from the
// first fragment not PERSISTED and so stores duplicates; we do not.
//
// When the question itself fails: a transient failure (no network, throttling, a 5xx) is retried
// with backoff until it works or the uploader stops, because a resend now would go over the same
// broken uplink anyway. A permanent one (no kinesisvideo:ListFragments permission, an endpoint that
// does not serve it) is logged once per distinct reason and the fragments are resent unverified, which
// may duplicate them; both are counted (docs/kvs.md).
import type { Logger } from '../log/index.js';
import { delay } from '../time/index.js';
import type { StreamControl } from './control.js';

/** Counters of the delivery check, for health and tests. */
export interface DeliveryCheckStats {
  /** ListFragments questions asked (one per interrupted session or range job, paging aside). */
  checks: number;
  /** Failed attempts, transient and permanent. */
  failures: number;
  /** Fragments found in KVS and therefore not sent again. */
  foundHeld: number;
  /** Fragments sent again without an answer (permanent failure or no ListFragments): may duplicate. */
  resentUnverified: number;
}

/** Producer start times (epoch ms) KVS holds in a range. */
export interface Holdings {
  has(startMs: number): boolean;
}

// Producer timestamps come back as Date (ms); ours are the cluster's absolute timecode in ms.
// Fragments are hundreds of ms apart at least, so a 2 ms tolerance cannot confuse two of them.
const MATCH_TOLERANCE_MS = 2;

const PERMANENT = new Set([
  'AccessDeniedException',
  'NotAuthorizedException',
  'UnrecognizedClientException',
  'InvalidArgumentException',
  'UnknownOperationException',
  'UnknownOperation',
]);

function errorName(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? 'Error';
}

/** See the file comment. One per stream uploader. */
export class DeliveryCheck {
  readonly stats: DeliveryCheckStats = { checks: 0, failures: 0, foundHeld: 0, resentUnverified: 0 };
  readonly #control: StreamControl;
  readonly #stream: string;
  readonly #log: Logger;
  readonly #retryMaxMs: number;
  readonly #warned = new Set<string>();

  constructor(control: StreamControl, stream: string, log: Logger, options: { retryMaxMs?: number } = {}) {
    this.#control = control;
    this.#stream = stream;
    this.#log = log;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** True when this uploader can ask KVS at all. */
  get available(): boolean {
    return this.#control.listFragments !== undefined;
  }

  /**
   * What KVS holds of [startMs, endMs]; undefined when it cannot be known (permanent failure, no
   * ListFragments, or the uploader stopped while retrying): the caller then resends.
   */
  async held(startMs: number, endMs: number, signal: AbortSignal): Promise<Holdings | undefined> {
    const list = this.#control.listFragments?.bind(this.#control);
    if (!list) return undefined;
    this.stats.checks++;
    let wait = 500;
    for (;;) {
      if (signal.aborted) return undefined;
      try {
        const held = await list(this.#stream, Math.floor(startMs), Math.ceil(endMs));
        const starts = held.map((f) => f.producerTimestampMs).sort((a, b) => a - b);
        return { has: (ms) => hasNear(starts, ms) };
      } catch (err) {
        this.stats.failures++;
        const name = errorName(err);
        if (name === 'ResourceNotFoundException') return { has: () => false };
        if (PERMANENT.has(name)) {
          if (!this.#warned.has(name)) {
            this.#warned.add(name);
            this.#log.error(
              { err, code: name },
              'KVS ListFragments refused: cannot tell what an interrupted upload delivered, so it is sent ' +
                'again and may be stored twice; grant kinesisvideo:ListFragments and ' +
                'kinesisvideo:GetDataEndpoint on the stream',
            );
          }
          return undefined;
        }
        if (wait === 500) this.#log.warn({ err, code: name }, 'KVS ListFragments failed; retrying');
        try {
          await delay(wait, signal);
        } catch {
          return undefined;
        }
        wait = Math.min(this.#retryMaxMs, wait * 2);
      }
    }
  }
}

function hasNear(sorted: readonly number[], ms: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (Math.abs(v - ms) <= MATCH_TOLERANCE_MS) return true;
    if (v < ms) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
