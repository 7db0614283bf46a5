// SigV4 header verification for PutMedia, written out from the algorithm so it checks the client's
// signer rather than sharing code with it. The streaming body is never signed: the payload hash is the
// x-amz-content-sha256 header when the client sent one (Java SDK style, or UNSIGNED-PAYLOAD), else the
// SHA-256 of the empty string (what the C producers and a body-less smithy signature use).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Where the stand-in looks up the secret for an access key (the local TES implements it). */
export interface CredentialLookup {
  find(
    accessKeyId: string,
  ): { secretAccessKey: string; sessionToken?: string; expiresAt: number } | undefined;
}

/** A request the real front end would refuse with 403; `errorType` is the real exception name. */
export class AuthError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
// AWS refuses signatures whose x-amz-date is more than 5 minutes off the server clock.
const MAX_SKEW_MS = 5 * 60 * 1000;
const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function uriEncode(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Header values as received (duplicates joined with commas), lower-case names. */
function headerValues(req: IncomingMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const list = out.get(name) ?? [];
    list.push(req.rawHeaders[i + 1]!.trim().replace(/\s+/g, ' '));
    out.set(name, list);
  }
  return out;
}

/** Verifies the Authorization header of `req` for `service`; returns the access key id or throws AuthError. */
export function verifySigV4(
  req: IncomingMessage,
  service: string,
  credentials: CredentialLookup,
  now = Date.now(),
): string {
  const auth = req.headers.authorization;
  if (auth === undefined)
    throw new AuthError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH_RE.exec(auth);
  if (!m)
    throw new AuthError('IncompleteSignatureException', 'Authorization header is not a SigV4 signature');
  const [, accessKeyId, scopeDate, region, scopeService, signedHeaderList, signature] =
    m as unknown as string[];
  const headers = headerValues(req);
  const amzDate = headers.get('x-amz-date')?.[0] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt) || amzDate.slice(0, 8) !== scopeDate) {
    throw new AuthError(
      'IncompleteSignatureException',
      'x-amz-date is missing or does not match the credential scope',
    );
  }
  if (scopeService !== service) {
    throw new AuthError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${service}'.`,
    );
  }
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier or later than the server time by more than 5 minutes.`,
    );
  }
  const creds = credentials.find(accessKeyId!);
  if (!creds)
    throw new AuthError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  const token = headers.get('x-amz-security-token')?.[0];
  if (creds.sessionToken !== undefined && token !== creds.sessionToken) {
    throw new AuthError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  if (creds.expiresAt <= now) {
    throw new AuthError('ExpiredTokenException', 'The security token included in the request is expired');
  }
  const signedNames = signedHeaderList!.split(';');
  if (!signedNames.includes('host')) {
    throw new AuthError(
      'InvalidSignatureException',
      "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const canonicalPath = url.pathname
    .split('/')
    .map((s) => uriEncode(decodeURIComponent(s)))
    .join('/');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signedNames.map((n) => `${n}:${(headers.get(n) ?? []).join(',')}\n`).join('');
  const payloadHash = headers.get('x-amz-content-sha256')?.[0] ?? EMPTY_SHA256;
  const canonicalRequest = [
    req.method,
    canonicalPath,
    query,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${scopeService}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const key = ['aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, scopeDate!), region!), scopeService!),
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature!, 'hex'))) {
    throw new AuthError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
        'Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return accessKeyId!;
}
