// AWS Secrets Manager stand-in (JSON 1.1 protocol: POST / with X-Amz-Target). Enough for the
// connector's camera secrets: CreateSecret, GetSecretValue by name or ARN with staging labels, and
// PutSecretValue for rotation, with the error shapes the SDK maps to its exception classes.
export { startSecretsManagerService, type SecretsManagerService, type SecretsOptions } from './server.js';
export { SecretStore, type StoredSecret, type SecretVersion } from './store.js';
