// AWS clients for commands, configured from the command's environment (region, the SDK's
// AWS_ENDPOINT_URL_<SERVICE> overrides that point at the local cloud, keys), and the SDK's terse
// errors turned into sentences that say what to do.
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretsClient } from '../secrets/index.js';
import { createSiteWiseClient } from '../sitewise/index.js';

export interface AwsClients {
  region: string | undefined;
  sitewise: IoTSiteWiseClient;
  secrets: SecretsManagerClient;
  kvs: KinesisVideoClient;
  destroy(): void;
}

export function regionOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** Keys given in the command's environment beat the default chain, which only reads process.env. */
function credentialsOf(env: NodeJS.ProcessEnv) {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
  };
}

/** `{credentials}` when the environment gives keys, for clients made outside awsClients. */
export function awsCredentials(env: NodeJS.ProcessEnv) {
  const credentials = credentialsOf(env);
  return credentials ? { credentials } : {};
}

export function awsClients(env: NodeJS.ProcessEnv): AwsClients {
  const region = regionOf(env);
  const credentials = credentialsOf(env);
  const common = { ...(region && { region }), ...(credentials && { credentials }), maxAttempts: 3 };
  const sitewise = createSiteWiseClient({
    ...common,
    ...(env.AWS_ENDPOINT_URL_IOTSITEWISE && { endpoint: env.AWS_ENDPOINT_URL_IOTSITEWISE }),
  });
  const secrets = createSecretsClient({
    ...common,
    ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER && { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
  });
  const kvs = new KinesisVideoClient({
    ...common,
    ...(env.AWS_ENDPOINT_URL_KINESIS_VIDEO && { endpoint: env.AWS_ENDPOINT_URL_KINESIS_VIDEO }),
  });
  return {
    region,
    sitewise,
    secrets,
    kvs,
    destroy() {
      sitewise.destroy();
      secrets.destroy();
      kvs.destroy();
    },
  };
}

/** An AWS SDK error in words that name the problem and the fix; other errors keep their message. */
export function explainAwsError(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: unknown };
  const message = e?.message ?? String(err);
  if (/Region is missing/i.test(message)) {
    return 'no AWS region: set AWS_REGION (e.g. export AWS_REGION=us-east-1) or a region in your AWS profile';
  }
  if (e?.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return (
      'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with ' +
      'AWS_PROFILE, or run on the device under Greengrass (its token exchange service)'
    );
  }
  if (e?.name === 'ExpiredTokenException' || /expired/i.test(e?.name ?? '')) {
    return 'the AWS credentials have expired: refresh them (aws sso login, or new session keys)';
  }
  if (e?.name === 'UnrecognizedClientException' || e?.name === 'InvalidSignatureException') {
    return `AWS does not accept these credentials (${e.name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY`;
  }
  if (e?.name === 'AccessDeniedException' || e?.name === 'AccessDenied') {
    return `AWS refused the call (${message}); give the role the permissions \`kvs-edge provision --print-policy\` prints`;
  }
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `cannot connect to the AWS endpoint (${message}); check the AWS_ENDPOINT_URL_* variables or the network`;
  }
  return message;
}
