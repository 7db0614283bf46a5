// SigV4 for a PutMedia request. Only the headers are signed: the canonical request uses the hash of
// the empty payload and no x-amz-content-sha256 header is sent, as the AWS C producers do
// (kvs-putmedia.md §1.3). The chunked Matroska body is then streamed unsigned.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

/** What one PutMedia session needs signed. */
export interface PutMediaRequestSpec {
  /** Data endpoint as GetDataEndpoint returns it, e.g. https://s-1234.kinesisvideo.us-east-1.amazonaws.com */
  endpoint: string;
  region: string;
  streamName: string;
  /** Epoch ms used for x-amzn-producer-start-timestamp. */
  producerStartMs: number;
  credentials: AwsCredentialIdentity;
  /** Signing time; defaults to now. */
  signingDate?: Date;
}

/** URL parts and the complete header set (signed ones plus the transport headers). */
export interface SignedPutMedia {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  path: string;
  headers: Record<string, string>;
}

/** Seconds with exactly three fraction digits, e.g. 1700000000.005 (never .5 for 5 ms). */
export function producerTimestamp(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String(ms - seconds * 1000).padStart(3, '0')}`;
}

/** Builds and signs the PutMedia request headers. */
export async function signPutMedia(spec: PutMediaRequestSpec): Promise<SignedPutMedia> {
  const url = new URL('/putMedia', spec.endpoint);
  const protocol = url.protocol === 'http:' ? 'http:' : 'https:';
  const port = url.port ? Number(url.port) : protocol === 'http:' ? 80 : 443;
  const request = new HttpRequest({
    method: 'POST',
    protocol,
    hostname: url.hostname,
    port,
    path: url.pathname,
    headers: {
      // Node sends the port in Host only when it is not the scheme's default; sign the same value.
      host: url.host,
      'x-amzn-stream-name': spec.streamName,
      'x-amzn-fragment-timecode-type': 'ABSOLUTE',
      'x-amzn-producer-start-timestamp': producerTimestamp(spec.producerStartMs),
      'x-amzn-fragment-acknowledgment-required': '1',
    },
  });
  const signer = new SignatureV4({
    service: 'kinesisvideo',
    region: spec.region,
    credentials: spec.credentials,
    sha256: Sha256,
    // No x-amz-content-sha256: the payload hash in the canonical request is the empty string's.
    applyChecksum: false,
  });
  const signed = await signer.sign(request, spec.signingDate ? { signingDate: spec.signingDate } : {});
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k] = String(v);
  // Transport headers the signer would not sign anyway (smithy's unsignable list).
  headers['transfer-encoding'] = 'chunked';
  headers.connection = 'keep-alive';
  headers['content-type'] = 'application/json';
  headers['user-agent'] = 'kvs-edge-connector';
  return { protocol, hostname: url.hostname, port, path: url.pathname, headers };
}
