// Fixed bytes and shapes of the PutMedia wire that the session uses: the end-of-fragment tag written
// after each cluster, and the error a refused request turns into.
import type http from 'node:http';
import { PutMediaHttpError } from './errors.js';

function ebml(id: number[], payload: Buffer): Buffer {
  // One-byte sizes suffice for the tiny tag below (payload < 127 bytes).
  return Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
}

/**
 * Tags > Tag > (Targets, SimpleTag{AWS_KINESISVIDEO_END_OF_FRAGMENT, ""}): tells KVS the previous
 * cluster is complete, so it is acknowledged without waiting for the next one (kvs-putmedia.md §1.10).
 * Without it the newest fragment's ACKs would lag by one fragment duration.
 */
export const END_OF_FRAGMENT_TAG: Buffer = ebml(
  [0x12, 0x54, 0xc3, 0x67],
  ebml(
    [0x73, 0x73],
    Buffer.concat([
      ebml([0x63, 0xc0], Buffer.alloc(0)),
      ebml(
        [0x67, 0xc8],
        Buffer.concat([
          ebml([0x45, 0xa3], Buffer.from('AWS_KINESISVIDEO_END_OF_FRAGMENT')),
          ebml([0x44, 0x87], Buffer.alloc(0)),
        ]),
      ),
    ]),
  ),
);

/** The error for a non-200 PutMedia answer; the type comes from x-amz-ErrorType or the JSON body. */
export function httpError(
  stream: string,
  status: number,
  headers: http.IncomingHttpHeaders,
  body: string,
): PutMediaHttpError {
  let type = String(headers['x-amz-errortype'] ?? '').split(':')[0] ?? '';
  let message: string;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    if (!type && typeof j.__type === 'string') type = j.__type.split('#').pop() ?? '';
    message = String(j.message ?? j.Message ?? '');
  } catch {
    message = body.slice(0, 200);
  }
  type ||= `HTTP${status}`;
  return new PutMediaHttpError(
    status,
    type,
    `PutMedia for KVS stream ${stream} refused: ${status} ${type}${message ? `: ${message}` : ''}`,
  );
}
