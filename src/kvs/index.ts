// Kinesis Video Streams upload: our own PutMedia client (no AWS SDK has one) and one uploader per
// stream.
//
// The story: a StreamUploader owns the one PutMedia connection its stream may have. The runtime
// hands it live fragments as they complete (pushLive) while live is wanted (setLive), and the
// camera's upload queue hands it one range at a time (uploadRange). Before the first session it makes sure the stream exists
// (ensureStream over the StreamControl port; src/aws/ adapts the AWS SDK client to it), then
// resolves and caches the data endpoint, signs the request headers with SigV4 and streams the
// header plus fragments as a chunked body, reading ACKs as they arrive. Every PERSISTED fragment
// goes into the upload ledger and out as an event; what the uplink could not take in time is read
// back from the recording store (FragmentReader), so a KVS outage leaves no hole and RAM stays
// bounded. Errors are classified per phase and per ErrorId; retriable ones reconnect with backoff.
export { StreamUploader, type UploaderOptions, type UploaderEvents, type UploadJob } from './uploader.js';
export type { UploaderTiming } from './run-session.js';
export type { FragmentOrigin, RangeProgress } from './sources.js';
export type { FragmentReader, UploadLedger } from './seams.js';
export {
  ensureStream,
  mediaTypeFor,
  DataEndpointCache,
  type StreamControl,
  type StreamDescription,
  type CreateStreamSpec,
  type EnsureStreamOptions,
  type HeldFragment,
} from './control.js';
export { CachedCredentials, defaultCredentialSource, type CredentialSource } from './credentials.js';
export { signPutMedia, producerTimestamp, type PutMediaRequestSpec, type SignedPutMedia } from './signer.js';
export { AckParser, type Ack, type AckEventType } from './ack-parser.js';
export { ackErrorAction, type AckErrorAction } from './error-ids.js';
export { PutMediaSession, type SessionOptions, type SessionTiming } from './session.js';
export { END_OF_FRAGMENT_TAG } from './wire.js';
export { AttemptLimiter } from './attempt-limiter.js';
export type { LiveQueueLimits } from './live-queue.js';
export {
  KvsError,
  StreamProvisionError,
  PutMediaConnectError,
  PutMediaHttpError,
  PutMediaResponseTimeoutError,
  PutMediaStalledError,
  PutMediaBodyError,
  PutMediaAckError,
  AckParseError,
} from './errors.js';
