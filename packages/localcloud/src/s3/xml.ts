// REST-XML pieces of the S3 stand-in: escaping, the error document, and decoding of the aws-chunked
// upload encoding the SDK uses when it streams a body with a trailing checksum.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export function esc(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

/** `<Name>value</Name>` for each defined entry. */
export function tags(fields: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
    .join('');
}

export function sendXml(res: ServerResponse, status: number, root: string, inner: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
  });
  res.end(body);
}

/** The S3 error document; HEAD answers carry no body, exactly like S3. */
export function sendS3Error(
  res: ServerResponse,
  method: string | undefined,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  if (method === 'HEAD') {
    res.writeHead(status, { 'x-amz-request-id': requestId });
    res.end();
    return;
  }
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tags({ Code: code, Message: message, ...extra })}` +
    `${tags({ RequestId: requestId, HostId: randomBytes(16).toString('base64') })}</Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}

/**
 * aws-chunked: `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` repeated, a zero-size chunk, then
 * optional trailer headers (the checksum). Chunk signatures are not verified (the stand-in does not
 * check SigV4 for S3).
 */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new Error('aws-chunked body ends inside a chunk header');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new Error('aws-chunked body has a bad chunk size');
    if (size === 0) return Buffer.concat(out);
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
