import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/** How to build the Secrets Manager client; everything optional so production uses the default chain. */
export interface SecretsClientOptions {
  region?: string;
  /** e.g. the local cloud's http://127.0.0.1:<port>. */
  endpoint?: string;
  credentials?: SecretsManagerClientConfig['credentials'];
  maxAttempts?: number;
}

/** A Secrets Manager client for AWS or the local cloud. */
export function createSecretsClient(options: SecretsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
  });
}
