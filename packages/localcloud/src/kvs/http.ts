// Small HTTP helpers shared by the control plane and the PutMedia endpoint: JSON bodies in, AWS-style
// JSON errors out (exception name in x-amzn-ErrorType, which is where the SDK looks first).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A control-plane request the service refuses; becomes an AWS JSON error. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

// Control-plane request bodies are a few hundred bytes; anything bigger is refused rather than buffered.
const MAX_JSON_BODY = 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY)
      throw new ServiceError(400, 'InvalidArgumentException', 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new ServiceError(400, 'SerializationException', 'request body is not a JSON object');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** `messageKey` is `Message` for service exceptions and `message` for front-end (auth) errors, as on AWS. */
export function sendError(
  res: ServerResponse,
  status: number,
  errorType: string,
  message: string,
  messageKey: 'Message' | 'message' = 'Message',
): void {
  const text = JSON.stringify({ [messageKey]: message });
  const requestId = randomUUID();
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazonaws.kinesisvideo/`,
    'x-amz-errortype': errorType,
    'x-amzn-requestid': requestId,
    'x-amz-requestid': requestId,
  });
  res.end(text);
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new ServiceError(400, 'InvalidArgumentException', `${key} must be a string`);
  return v;
}
