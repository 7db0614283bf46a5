// The REST-JSON wire of the MediaPackage VOD control plane: which operation a method + path is, JSON
// bodies in and out, and list paging with maxResults/nextToken.
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { unprocessable } from './resources.js';

type Json = Record<string, unknown>;
// Control-plane bodies are small; refuse rather than buffer anything large.
const MAX_BODY = 1024 * 1024;

/** The request body as a JSON object ({} when empty). */
export async function readJson(req: http.IncomingMessage): Promise<Json> {
  let text = '';
  for await (const c of req as AsyncIterable<Buffer>) {
    text += c.toString('utf8');
    if (text.length > MAX_BODY) throw unprocessable('request body too large');
  }
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through
  }
  throw unprocessable('request body is not a JSON object');
}

/** A JSON (or empty) response with a request id. */
export function send(res: http.ServerResponse, status: number, body?: Json): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** One page of `items` per the maxResults/nextToken query. */
export function page<T>(items: T[], q: URLSearchParams): { items: T[]; nextToken?: string } {
  const max = Number(q.get('maxResults') ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw unprocessable('maxResults must be 1-1000');
  const token = q.get('nextToken');
  const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) throw unprocessable('nextToken is not valid');
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { items: items.slice(start, start + max), nextToken: next };
}

const NAMES: Record<string, Record<string, string>> = {
  assets: {
    'POST-': 'CreateAsset',
    'GET-': 'ListAssets',
    'GET-id': 'DescribeAsset',
    'DELETE-id': 'DeleteAsset',
  },
  packaging_groups: {
    'POST-': 'CreatePackagingGroup',
    'GET-': 'ListPackagingGroups',
    'GET-id': 'DescribePackagingGroup',
    'PUT-id': 'UpdatePackagingGroup',
    'DELETE-id': 'DeletePackagingGroup',
    'PUT-id-configure_logs': 'ConfigureLogs',
  },
  packaging_configurations: {
    'POST-': 'CreatePackagingConfiguration',
    'GET-': 'ListPackagingConfigurations',
    'GET-id': 'DescribePackagingConfiguration',
    'DELETE-id': 'DeletePackagingConfiguration',
  },
  tags: { 'GET-id': 'ListTagsForResource', 'POST-id': 'TagResource', 'DELETE-id': 'UntagResource' },
};

/** The operation name of a method + path, or undefined when it is none. */
export function operationName(
  method: string,
  collection?: string,
  id?: string,
  sub?: string,
): string | undefined {
  if (collection === undefined) return undefined;
  const key = `${method}-${id === undefined ? '' : 'id'}${sub === undefined ? '' : `-${sub}`}`;
  return NAMES[collection]?.[key];
}
