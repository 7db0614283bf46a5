import { IoTSiteWiseClient, type IoTSiteWiseClientConfig } from '@aws-sdk/client-iotsitewise';

/** How to build the SiteWise client; everything optional so production uses the default chain. */
export interface SiteWiseClientOptions {
  region?: string;
  /** e.g. the local cloud's http://127.0.0.1:<port>. */
  endpoint?: string;
  credentials?: IoTSiteWiseClientConfig['credentials'];
  /**
   * SiteWise prefixes hosts per API family (api., data.); a single local endpoint has no such hosts,
   * so the local cloud needs this true. Defaults to true whenever an endpoint is given.
   */
  disableHostPrefix?: boolean;
  /** SDK-level retries; our outbox and pollers retry on their own, so callers may lower this. */
  maxAttempts?: number;
}

/** A SiteWise client for AWS or the local cloud. */
export function createSiteWiseClient(options: SiteWiseClientOptions = {}): IoTSiteWiseClient {
  return new IoTSiteWiseClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    disableHostPrefix: options.disableHostPrefix ?? options.endpoint !== undefined,
  });
}
