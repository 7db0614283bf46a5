// Reading a camera's RTSP URL from its Secrets Manager secret: JSON with the key RTSPStreamURL
// (any case, as the reference). The URL's password is registered with the log's SecretRegistry before
// anything else happens with it, so no later log line can show it.
import { setTimeout as delay } from 'node:timers/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger, SecretRegistry } from '../log/index.js';
import { backoffDelay, RETRY_BACKOFF, type BackoffPolicy } from '../time/index.js';
import { SecretError } from './errors.js';

/** Retry policy for transient failures (network, throttling, service errors, permissions settling). */
export interface RetryOptions {
  /** Attempts in total, the first included. */
  attempts?: number;
  /** Default RETRY_BACKOFF (1 s doubling to 30 s). */
  backoff?: BackoffPolicy;
  /** Injectable wait (tests); must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Options of RtspUrlResolver. */
export interface RtspUrlResolverOptions {
  client: SecretsManagerClient;
  /** Every password found is added here, so the log sink masks it. */
  secrets: SecretRegistry;
  retry?: RetryOptions;
  log?: Logger;
  /**
   * The on-device secret cache (Greengrass IPC GetSecretValue, aws.greengrass.SecretManager), asked
   * first: it answers when the uplink is down. When it fails, Secrets Manager is asked.
   */
  local?: (secretId: string) => Promise<string | undefined>;
}

const URL_KEY = 'rtspstreamurl';

/** Looks up camera RTSP URLs. */
export class RtspUrlResolver {
  readonly #options: RtspUrlResolverOptions;
  #localWarned = false;

  constructor(options: RtspUrlResolverOptions) {
    this.#options = options;
  }

  /** The RTSP URL stored in `secretId` (AWSCURRENT); throws SecretError after the retries are spent. */
  async resolve(secretId: string, signal?: AbortSignal): Promise<string> {
    const retry = this.#options.retry ?? {};
    const attempts = Math.max(1, retry.attempts ?? 5);
    // node:timers/promises rejects with an AbortError when the signal fires, which ends the retries.
    const sleep = retry.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fetch(secretId, signal);
      } catch (err) {
        if (!(err instanceof SecretError) || !err.retriable || attempt >= attempts || signal?.aborted)
          throw err;
        const wait = backoffDelay(attempt, retry.backoff ?? RETRY_BACKOFF);
        this.#options.log?.warn(
          { secretId, attempt, retryInMs: wait },
          `reading the camera secret failed: ${err.message}`,
        );
        await sleep(wait, signal);
      }
    }
  }

  async #fetch(secretId: string, signal?: AbortSignal): Promise<string> {
    const local = this.#options.local;
    if (local) {
      let cached: string | undefined;
      try {
        cached = await local(secretId);
      } catch (err) {
        if (!this.#localWarned) {
          this.#localWarned = true;
          this.#options.log?.warn(
            { secretId, err: err instanceof Error ? `${err.name}: ${err.message}` : String(err) },
            'aws.greengrass.SecretManager did not give the camera secret; reading it from Secrets Manager ' +
              '(booting without uplink needs that component deployed with the secret in its cloudSecrets)',
          );
        }
      }
      if (cached !== undefined) return this.#urlFrom(secretId, cached);
    }
    let secretString: string | undefined;
    try {
      const out = await this.#options.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
        { abortSignal: signal },
      );
      secretString = out.SecretString;
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'ResourceNotFoundException') {
        throw new SecretError(
          'SECRET_NOT_FOUND',
          `secret ${secretId} does not exist; check the camera's RTSPStreamSecretARN`,
          secretId,
          { cause: err },
        );
      }
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new SecretError(
        'SECRET_UNREADABLE',
        `secret ${secretId} could not be read (${reason})`,
        secretId,
        {
          cause: err,
        },
      );
    }
    return this.#urlFrom(secretId, secretString);
  }

  #urlFrom(secretId: string, secretString: string | undefined): string {
    let doc: unknown;
    try {
      doc = JSON.parse(secretString ?? '');
    } catch {
      // The whole secret string might be the password itself: register it before saying anything.
      this.#options.secrets.add(secretString);
      throw new SecretError(
        'SECRET_NOT_JSON',
        `secret ${secretId} is not a JSON object; store {"RTSPStreamURL": "rtsp://user:password@host/path"}`,
        secretId,
      );
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      this.#options.secrets.add(secretString);
      throw new SecretError(
        'SECRET_NOT_JSON',
        `secret ${secretId} is JSON but not an object; store {"RTSPStreamURL": "rtsp://..."}`,
        secretId,
      );
    }
    const entry = Object.entries(doc).find(([key]) => key.toLowerCase() === URL_KEY);
    if (entry === undefined) {
      for (const v of Object.values(doc)) {
        if (typeof v !== 'string') continue;
        this.#options.secrets.add(v);
        this.registerPassword(v);
      }
      throw new SecretError(
        'SECRET_KEY_MISSING',
        `secret ${secretId} has no RTSPStreamURL key (keys: ${Object.keys(doc).join(', ') || 'none'})`,
        secretId,
      );
    }
    const value = entry[1];
    if (typeof value === 'string') this.registerPassword(value);
    let url: URL | undefined;
    try {
      url = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') || url.hostname === '') {
      throw new SecretError(
        'SECRET_NOT_RTSP',
        `secret ${secretId}: the ${entry[0]} value is not an rtsp:// URL with a host`,
        secretId,
      );
    }
    return value as string;
  }

  /** Register the password (raw and decoded) of an RTSP URL with the log's secret registry. */
  registerPassword(url: string): void {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@]*?:([^@/]*)@/i.exec(url);
    const raw = match?.[1];
    if (raw === undefined || raw === '') return;
    this.#options.secrets.add(raw);
    try {
      this.#options.secrets.add(decodeURIComponent(raw));
    } catch {
      // Not percent-encoded validly: the raw form is what could appear in logs.
    }
  }
}
