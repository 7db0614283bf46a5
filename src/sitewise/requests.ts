// VideoUploadRequest values and the SiteWise notifications that carry them.
//
// A value is `live` (any case) or `<start>-<end>` in epoch milliseconds; values below 1e11 are epoch
// seconds (the reference's own tests used seconds, the TwinMaker player sends milliseconds).
import type { TimeRange } from '../time/index.js';
import { RequestError } from './errors.js';

/** A parsed request. */
export type UploadRequest = { kind: 'live' } | ({ kind: 'range' } & TimeRange);

/** One value of the request property, from a notification or a poll. */
export interface RequestValue {
  text: string;
  /** SiteWise timestamp of the value (when it was written), as seconds + nanos for exact de-duplication. */
  timeInSeconds: number;
  offsetInNanos: number;
}

/** A parsed PropertyValueUpdate notification. */
export interface PropertyNotification {
  assetId: string;
  propertyId: string;
  values: RequestValue[];
}

// Epoch ms below this would be March 1973; epoch seconds only reach it in the year 5138.
const SECONDS_BELOW = 1e11;
// The player's clock and ours may differ; a minute of skew is tolerated for the range end.
const FUTURE_TOLERANCE_MS = 60_000;
const RANGE = /^\s*(\d{1,16})\s*-\s*(\d{1,16})\s*$/;

/** Options of parseRequest. */
export interface ParseRequestOptions {
  /** Current time in epoch ms (injectable for tests). */
  now?: number;
  /** Whether anything is recorded in the range; a range with nothing recorded is rejected. */
  isRecorded?: (range: TimeRange) => boolean;
  /**
   * Accept an end in the future (VideoUploadRequest: the camera keeps uploading until then, within
   * its own bound). Otherwise an end more than a minute ahead is rejected (a VOD clip cannot end later).
   */
  allowFutureEnd?: boolean;
}

/** Parse and validate a VideoUploadRequest value; throws RequestError naming the value. */
export function parseRequest(text: string, options: ParseRequestOptions = {}): UploadRequest {
  if (text.trim().toLowerCase() === 'live') return { kind: 'live' };
  const match = RANGE.exec(text);
  if (match === null) {
    throw new RequestError(
      'REQUEST_MALFORMED',
      `VideoUploadRequest value ${JSON.stringify(text)} is neither "live" nor "<startMs>-<endMs>"`,
      text,
    );
  }
  const toMs = (digits: string): number => {
    const n = Number(digits);
    return n < SECONDS_BELOW ? n * 1000 : n;
  };
  const startMs = toMs(match[1] ?? '');
  const endMs = toMs(match[2] ?? '');
  const now = options.now ?? Date.now();
  if (!(startMs < endMs)) {
    throw new RequestError(
      'REQUEST_INVALID_RANGE',
      `VideoUploadRequest value ${JSON.stringify(text)}: start must be before end`,
      text,
    );
  }
  if (!options.allowFutureEnd && endMs > now + FUTURE_TOLERANCE_MS) {
    throw new RequestError(
      'REQUEST_INVALID_RANGE',
      `VideoUploadRequest value ${JSON.stringify(text)}: end ${new Date(endMs).toISOString()} is in the future`,
      text,
    );
  }
  const range = { startMs, endMs };
  if (options.isRecorded !== undefined && !options.isRecorded(range)) {
    throw new RequestError(
      'REQUEST_NOT_RECORDED',
      `VideoUploadRequest value ${JSON.stringify(text)}: nothing is recorded between ` +
        `${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}`,
      text,
    );
  }
  return { kind: 'range', ...range };
}

/** Parse a SiteWise PropertyValueUpdate notification (MQTT payload); throws RequestError when malformed. */
export function parseNotification(payload: string | Uint8Array): PropertyNotification {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const fail = (why: string): never => {
    throw new RequestError('NOTIFICATION_MALFORMED', `SiteWise notification ${why}`, text.slice(0, 500));
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('is not JSON');
  }
  const record = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const root = record(doc);
  if (root?.type !== 'PropertyValueUpdate') fail('is not a PropertyValueUpdate');
  const body = record(root?.payload);
  const assetId = body?.assetId;
  const propertyId = body?.propertyId;
  if (typeof assetId !== 'string' || typeof propertyId !== 'string') fail('lacks payload.assetId/propertyId');
  if (!Array.isArray(body?.values) || body.values.length === 0) fail('has no values');
  const values: RequestValue[] = [];
  for (const item of body?.values as unknown[]) {
    const entry = record(item);
    const timestamp = record(entry?.timestamp);
    const value = record(entry?.value);
    const seconds = timestamp?.timeInSeconds;
    const nanos = timestamp?.offsetInNanos ?? 0;
    if (typeof seconds !== 'number' || typeof nanos !== 'number') fail('has a value without a timestamp');
    if (typeof value?.stringValue !== 'string') fail('has a value that is not a string');
    values.push({
      text: value?.stringValue as string,
      timeInSeconds: seconds as number,
      offsetInNanos: nanos as number,
    });
  }
  values.sort(compareValueTime);
  return { assetId: assetId as string, propertyId: propertyId as string, values };
}

/** Order of two values' SiteWise timestamps. */
export function compareValueTime(
  a: Pick<RequestValue, 'timeInSeconds' | 'offsetInNanos'>,
  b: Pick<RequestValue, 'timeInSeconds' | 'offsetInNanos'>,
): number {
  return a.timeInSeconds - b.timeInSeconds || a.offsetInNanos - b.offsetInNanos;
}
