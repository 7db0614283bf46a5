// Token exchange service: the Greengrass TES stand-in. The AWS SDK's default credential chain reads
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN and gets short-lived
// credentials from here, exactly as on a Greengrass core device.
//
// iot-credentials.ts is the AWS IoT credentials provider (certificate + role alias over mTLS), which
// a device outside Greengrass calls directly.
//
// The CredentialAuthority remembers every pair it issued, so services that verify SigV4 (the PutMedia
// endpoint) can look a key up, and tests can make credentials expire quickly to prove refresh.
export { CredentialAuthority, type CredentialLookup, type IssuedCredentials } from './authority.js';
export { startTokenExchangeService, TES_PATH, type TokenExchangeService, type TesOptions } from './server.js';
export {
  startIotCredentialsProvider,
  type IotCredentialsProvider,
  type IotCredentialsProviderOptions,
} from './iot-credentials.js';
