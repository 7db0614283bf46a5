// Camera secrets: each camera's RTSP URL (credentials included) lives in an AWS Secrets Manager secret
// whose ARN is the camera asset's RTSPStreamSecretARN attribute. The secret is a JSON object with the
// key RTSPStreamURL (any case). RtspUrlResolver reads it, retries transient failures with backoff,
// explains content problems without ever quoting the secret, and registers every password it sees with
// the log's SecretRegistry so the log sink masks it wherever it might later appear.
export { createSecretsClient, type SecretsClientOptions } from './client.js';
export { RtspUrlResolver, type RtspUrlResolverOptions, type RetryOptions } from './rtsp-url.js';
export { SecretError } from './errors.js';
