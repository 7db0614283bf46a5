// The AWS clients VOD publishing uses, built from a region and the environment. Endpoint overrides
// (the local cloud sets them) come from the standard per-service variables; an S3 override also
// switches to path-style addressing, which a loopback stand-in needs.
import { MediaPackageVodClient } from '@aws-sdk/client-mediapackage-vod';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The three clients of the vod folder. */
export interface VodClients {
  s3: S3Client;
  mediapackage: MediaPackageVodClient;
  secrets: SecretsManagerClient;
  destroy(): void;
}

/** Environment variables read for endpoint overrides. */
export const VOD_ENDPOINT_ENV = {
  s3: 'AWS_ENDPOINT_URL_S3',
  mediapackage: 'AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD',
  secrets: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
} as const;

/** Options of createVodClients. */
export interface VodClientOptions {
  /** Vod.Region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  env?: Record<string, string | undefined>;
  /** Static credentials (tests); the default provider chain (Greengrass TES) otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

export function createVodClients(options: VodClientOptions = {}): VodClients {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Keys in the given environment (a CLI run under the local cloud) beat the default chain, which
  // would only look at process.env.
  const fromEnv =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
        }
      : undefined;
  const credentials = options.credentials ?? fromEnv;
  const common = {
    region,
    ...(credentials && { credentials }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
  };
  const endpoint = (name: keyof typeof VOD_ENDPOINT_ENV) => {
    const v = env[VOD_ENDPOINT_ENV[name]];
    return v === undefined || v === '' ? {} : { endpoint: v };
  };
  const s3Endpoint = endpoint('s3');
  const s3 = new S3Client({ ...common, ...s3Endpoint, forcePathStyle: 'endpoint' in s3Endpoint });
  const mediapackage = new MediaPackageVodClient({ ...common, ...endpoint('mediapackage') });
  const secrets = new SecretsManagerClient({ ...common, ...endpoint('secrets') });
  return {
    s3,
    mediapackage,
    secrets,
    destroy() {
      s3.destroy();
      mediapackage.destroy();
      secrets.destroy();
    },
  };
}
