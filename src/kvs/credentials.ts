// Credentials for PutMedia signing. In production the provider is the SDK's default chain
// (fromNodeProviderChain), which on Greengrass reads the token exchange service. This cache adds
// what a long-lived streaming client needs on top: refresh shortly before expiry, and a forced
// refresh after the service says 403 (expired token or keys rotated under us).
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Where signing credentials come from; get() never returns credentials about to expire. */
export interface CredentialSource {
  get(): Promise<AwsCredentialIdentity>;
  /** The service rejected the last credentials: the next get() fetches new ones. */
  invalidate(): void;
}

// A session is signed once at its start; credentials only need to be valid then. One minute of
// margin covers clock skew between us and the service and a slow connect.
const DEFAULT_REFRESH_BEFORE_MS = 60_000;

/** Caches a provider's credentials; see the file comment. */
export class CachedCredentials implements CredentialSource {
  readonly #provider: AwsCredentialIdentityProvider;
  readonly #refreshBeforeMs: number;
  readonly #now: () => number;
  #current: AwsCredentialIdentity | undefined;
  #forceNext = false;
  #pending: Promise<AwsCredentialIdentity> | undefined;

  constructor(
    provider: AwsCredentialIdentityProvider,
    options: { refreshBeforeMs?: number; now?: () => number } = {},
  ) {
    this.#provider = provider;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
    this.#now = options.now ?? Date.now;
  }

  async get(): Promise<AwsCredentialIdentity> {
    if (this.#pending) return this.#pending;
    const c = this.#current;
    if (c && !this.#forceNext && !this.#expiresSoon(c)) return c;
    // Concurrent callers share one fetch.
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  invalidate(): void {
    this.#forceNext = true;
  }

  async #fetch(): Promise<AwsCredentialIdentity> {
    const force = this.#forceNext || this.#current !== undefined;
    this.#forceNext = false;
    // Memoizing providers (the SDK's default chain) return their cached value unless forced.
    const c = await this.#provider(force ? { forceRefresh: true } : undefined);
    this.#current = c;
    return c;
  }

  #expiresSoon(c: AwsCredentialIdentity): boolean {
    return c.expiration !== undefined && c.expiration.getTime() - this.#now() < this.#refreshBeforeMs;
  }
}

/**
 * The production source: the SDK's default chain (on Greengrass the token exchange service, via
 * AWS_CONTAINER_CREDENTIALS_FULL_URI), cached as above. Also returns the provider for SDK clients.
 */
export function defaultCredentialSource(): {
  source: CredentialSource;
  provider: AwsCredentialIdentityProvider;
} {
  const provider = fromNodeProviderChain();
  return { source: new CachedCredentials(provider), provider };
}
