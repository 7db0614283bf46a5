// ListFragments (kinesis-video-archived-media, POST /listFragments on the data endpoint): the fragments
// of a stream whose start lies in a producer- or server-timestamp range, paged by an opaque token.
// Limits and errors follow the API reference: MaxResults 1-1000 (default 100), FragmentSelector only
// needed when no NextToken is passed, EndTimestamp not before StartTimestamp, a missing stream is 404
// ResourceNotFoundException. Real KVS says results come "in no specific order, even across pages";
// ours come oldest first (by the selected timestamp), which satisfies that promise. Listing here is
// immediately consistent, where KVS is eventually consistent (usually within a second).
import type { StoredFragment } from './fragments.js';
import { ServiceError, optionalString } from './http.js';
import type { StreamRecord, StreamTable } from './streams.js';

export const LIST_FRAGMENTS_DEFAULT_MAX = 100;
export const LIST_FRAGMENTS_MAX = 1000;

/** What the archived-media operations need from the service around them. */
export interface ArchivedMediaContext {
  streams: StreamTable;
  fragments(
    streamName: string,
    range: { startMs?: number; endMs?: number; timestamp: TimestampOrigin },
  ): StoredFragment[];
}

export type TimestampOrigin = 'producer' | 'server';

function invalid(message: string): ServiceError {
  return new ServiceError(400, 'InvalidArgumentException', message);
}

/** The stream named by StreamName or StreamARN (exactly one way of naming it is expected). */
export function findArchivedStream(ctx: ArchivedMediaContext, body: Record<string, unknown>): StreamRecord {
  const StreamName = optionalString(body, 'StreamName');
  const StreamARN = optionalString(body, 'StreamARN');
  if (StreamName === undefined && StreamARN === undefined)
    throw invalid('StreamName or StreamARN is required');
  if (StreamName !== undefined && StreamARN !== undefined)
    throw invalid('specify either StreamName or StreamARN, not both');
  const stream = ctx.streams.get({ StreamName, StreamARN });
  if (!stream) {
    throw new ServiceError(
      404,
      'ResourceNotFoundException',
      `Stream ${StreamName ?? StreamARN} was not found`,
    );
  }
  return stream;
}

/** restJson1 timestamps arrive as epoch seconds (fractional allowed); returns epoch ms. */
export function epochSecondsField(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid(`${name} must be a timestamp`);
  return Math.round(value * 1000);
}

/** Fragment wire shape (restJson1: timestamps in epoch seconds, the size a long). */
export function fragmentWire(f: StoredFragment): Record<string, unknown> {
  return {
    FragmentNumber: f.fragmentNumber,
    FragmentSizeInBytes: f.sizeBytes,
    ProducerTimestamp: f.producerTimestampMs / 1000,
    ServerTimestamp: f.serverTimestampMs / 1000,
    FragmentLengthInMilliseconds: f.durationMs,
  };
}

interface PageToken {
  stream: string;
  origin: TimestampOrigin;
  startMs?: number;
  endMs?: number;
  /** Fragment number of the last fragment returned. */
  after: string;
}

const TOKEN_RE = /^[a-zA-Z0-9_.-]{1,4096}$/;

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(text: string, stream: string): PageToken {
  if (!TOKEN_RE.test(text)) throw invalid('NextToken is not valid');
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
    if (t.stream !== stream || typeof t.after !== 'string') throw new Error('other stream');
    return t;
  } catch {
    throw invalid('NextToken is not valid for this stream');
  }
}

export function listFragments(ctx: ArchivedMediaContext, body: Record<string, unknown>): unknown {
  const stream = findArchivedStream(ctx, body);
  const max = body.MaxResults ?? LIST_FRAGMENTS_DEFAULT_MAX;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIST_FRAGMENTS_MAX)
    throw invalid(`MaxResults must be an integer from 1 to ${LIST_FRAGMENTS_MAX}`);
  const tokenText = optionalString(body, 'NextToken');
  let query: Omit<PageToken, 'after'> & { after?: string };
  if (tokenText !== undefined) {
    query = decodeToken(tokenText, stream.StreamName);
  } else {
    query = { stream: stream.StreamName, origin: 'producer' };
    const selector = body.FragmentSelector as Record<string, unknown> | undefined;
    if (selector !== undefined) {
      if (selector === null || typeof selector !== 'object')
        throw invalid('FragmentSelector must be an object');
      const type = selector.FragmentSelectorType;
      if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP')
        throw invalid('FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP');
      const range = selector.TimestampRange as Record<string, unknown> | undefined;
      if (range === undefined || range === null || typeof range !== 'object')
        throw invalid('FragmentSelector.TimestampRange is required');
      const startMs = epochSecondsField(range.StartTimestamp, 'StartTimestamp');
      const endMs = epochSecondsField(range.EndTimestamp, 'EndTimestamp');
      if (startMs === undefined || endMs === undefined)
        throw invalid('TimestampRange needs StartTimestamp and EndTimestamp');
      if (endMs < startMs) throw invalid('EndTimestamp must not be earlier than StartTimestamp');
      query = {
        stream: stream.StreamName,
        origin: type === 'SERVER_TIMESTAMP' ? 'server' : 'producer',
        startMs,
        endMs,
      };
    }
  }
  const all = ctx.fragments(stream.StreamName, {
    timestamp: query.origin,
    ...(query.startMs !== undefined && { startMs: query.startMs }),
    ...(query.endMs !== undefined && { endMs: query.endMs }),
  });
  const from = query.after === undefined ? 0 : all.findIndex((f) => f.fragmentNumber === query.after) + 1;
  const page = all.slice(from, from + max);
  const last = page.at(-1);
  const more = from + max < all.length && last !== undefined;
  return {
    Fragments: page.map(fragmentWire),
    ...(more && { NextToken: encodeToken({ ...query, after: last.fragmentNumber }) }),
  };
}
