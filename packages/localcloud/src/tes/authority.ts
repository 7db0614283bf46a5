import { randomBytes } from 'node:crypto';

/** What a SigV4-verifying service needs to know about an access key it sees. */
export interface CredentialLookup {
  find(
    accessKeyId: string,
  ): { secretAccessKey: string; sessionToken?: string; expiresAt: number } | undefined;
}

/** One credential pair handed out by the local cloud; expiresAt is epoch milliseconds. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt: number;
}

// Keys are kept a while after expiry so a late request is answered "expired" rather than "unknown".
const KEEP_AFTER_EXPIRY_MS = 60 * 60 * 1000;
// Bound on remembered session credentials; a client refreshing every second for an hour stays below it.
const MAX_REMEMBERED = 10_000;

function key(prefix: string): string {
  return prefix + randomBytes(8).toString('hex').toUpperCase();
}

/** Issues and remembers credentials: one long-lived static pair plus short-lived session pairs. */
export class CredentialAuthority implements CredentialLookup {
  readonly #issued = new Map<string, IssuedCredentials>();
  /** Long-lived pair for direct use (tests, the demo env); it has no session token. */
  readonly static: IssuedCredentials;
  /** Lifetime of session credentials; settable at run time so tests can prove refresh. */
  sessionLifetimeMs: number;

  constructor(options: { sessionLifetimeMs?: number } = {}) {
    this.sessionLifetimeMs = options.sessionLifetimeMs ?? 60 * 60 * 1000;
    this.static = {
      accessKeyId: key('AKIALOCAL'),
      secretAccessKey: randomBytes(30).toString('base64'),
      // Ten years: "does not expire" while staying a valid date for anyone who formats it.
      expiresAt: Date.now() + 10 * 365 * 24 * 3600 * 1000,
    };
    this.#issued.set(this.static.accessKeyId, this.static);
  }

  /** A fresh session credential valid for sessionLifetimeMs (or the given lifetime). */
  issue(lifetimeMs = this.sessionLifetimeMs): IssuedCredentials {
    this.#prune();
    const credentials: IssuedCredentials = {
      accessKeyId: key('ASIALOCAL'),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expiresAt: Date.now() + lifetimeMs,
    };
    this.#issued.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  find(accessKeyId: string): IssuedCredentials | undefined {
    return this.#issued.get(accessKeyId);
  }

  /** How many session credentials have been handed out and are still remembered. */
  get size(): number {
    return this.#issued.size - 1;
  }

  #prune(): void {
    const cutoff = Date.now() - KEEP_AFTER_EXPIRY_MS;
    for (const [id, c] of this.#issued) {
      if (c !== this.static && (c.expiresAt < cutoff || this.#issued.size > MAX_REMEMBERED)) {
        this.#issued.delete(id);
      }
    }
  }
}
