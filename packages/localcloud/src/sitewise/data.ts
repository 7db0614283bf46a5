import type { Logger } from 'pino';
import { AwsError } from '../http/index.js';
import { notificationTopic, type SiteWiseStore, type StoredAsset, type StoredProperty } from './assets.js';
import { checkValue, notificationMessage, tqvMillis, type Tqv } from './values.js';
import { paginate } from './wire.js';

// API limits of BatchPutAssetPropertyValue.
const MAX_ENTRIES = 10;
const MAX_VALUES_PER_ENTRY = 10;

// SiteWise reads timeInSeconds as a long: a fractional number (the TwinMaker video player sends
// `Date.now() / 1000`) is accepted and its fraction dropped; offsetInNanos carries the sub-second part.
function wholeSeconds(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : (value as number);
}

type Target = { asset: StoredAsset; property: StoredProperty };

function target(store: SiteWiseStore, assetId: unknown, propertyId: unknown, alias: unknown): Target {
  if (typeof alias === 'string' && assetId === undefined) return store.byAlias(alias);
  if (typeof assetId !== 'string' || typeof propertyId !== 'string') {
    throw new AwsError('InvalidRequestException', 'Specify assetId and propertyId, or propertyAlias.');
  }
  const asset = store.asset(assetId);
  return { asset, property: store.property(asset, propertyId) };
}

/** Store values entry by entry; bad entries and bad values are reported per entry, the rest is kept. */
export async function batchPut(
  store: SiteWiseStore,
  body: Record<string, unknown>,
  publish: (topic: string, payload: string) => Promise<void>,
  log?: Logger,
): Promise<{ errorEntries: unknown[] }> {
  const entries = body.entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new AwsError('InvalidRequestException', `entries must hold 1 to ${MAX_ENTRIES} entries.`);
  }
  const errorEntries: unknown[] = [];
  const now = Date.now();
  for (const entry of entries as Record<string, unknown>[]) {
    const values = (entry.propertyValues ?? []) as Tqv[];
    const allTimestamps = values.map((v) => v.timestamp);
    let t: Target;
    try {
      if (values.length < 1 || values.length > MAX_VALUES_PER_ENTRY) {
        throw new AwsError(
          'InvalidRequestException',
          `propertyValues must hold 1 to ${MAX_VALUES_PER_ENTRY} values.`,
        );
      }
      t = target(store, entry.assetId, entry.propertyId, entry.propertyAlias);
      if (t.property.type.attribute === undefined && t.property.type.measurement === undefined) {
        throw new AwsError(
          'InvalidRequestException',
          `Property ${t.property.name} is computed; it cannot be written.`,
        );
      }
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      errorEntries.push({
        entryId: entry.entryId,
        errors: [{ errorCode: err.code, errorMessage: err.message, timestamps: allTimestamps }],
      });
      continue;
    }
    const byCode = new Map<
      string,
      { errorCode: string; errorMessage: string; timestamps: Tqv['timestamp'][] }
    >();
    const accepted: Tqv[] = [];
    for (const raw of values) {
      const tqv: Tqv = {
        timestamp: {
          timeInSeconds: wholeSeconds(raw.timestamp?.timeInSeconds),
          offsetInNanos: raw.timestamp?.offsetInNanos ?? 0,
        },
        quality: raw.quality ?? 'GOOD',
        value: raw.value,
      };
      const problem = checkValue(t.property.dataType, tqv, now);
      if (problem === undefined) {
        accepted.push(tqv);
        continue;
      }
      const e = byCode.get(problem.code) ?? {
        errorCode: problem.code,
        errorMessage: problem.message,
        timestamps: [],
      };
      e.timestamps.push(raw.timestamp);
      byCode.set(problem.code, e);
    }
    if (byCode.size > 0) errorEntries.push({ entryId: entry.entryId, errors: [...byCode.values()] });
    if (accepted.length === 0) continue;
    const series = store.seriesOf(t.asset.id, t.property.id);
    for (const tqv of accepted) series.put(tqv);
    if (t.asset.notifications[t.property.id] === 'ENABLED') {
      const topic = notificationTopic(t.asset.modelId, t.asset.id, t.property.id);
      try {
        await publish(topic, notificationMessage(t.asset.id, t.property.id, accepted));
      } catch (err) {
        // SiteWise stores the value even when nobody can be told about it.
        log?.warn({ err, topic }, 'could not publish a SiteWise notification');
      }
    }
  }
  return { errorEntries };
}

function targetFromQuery(store: SiteWiseStore, query: URLSearchParams): Target {
  return target(
    store,
    query.get('assetId') ?? undefined,
    query.get('propertyId') ?? undefined,
    query.get('propertyAlias') ?? undefined,
  );
}

export function getLatest(store: SiteWiseStore, query: URLSearchParams): Record<string, unknown> {
  const { asset, property } = targetFromQuery(store, query);
  const latest = store.series.get(`${asset.id}/${property.id}`)?.latest();
  return latest === undefined ? {} : { propertyValue: latest };
}

function dateParam(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (Number.isNaN(ms)) throw new AwsError('InvalidRequestException', `${name} is not a timestamp: ${text}`);
  return ms;
}

export function getHistory(
  store: SiteWiseStore,
  query: URLSearchParams,
  pageSize: number,
): Record<string, unknown> {
  const { asset, property } = targetFromQuery(store, query);
  const start = dateParam(query, 'startDate', 0);
  const end = dateParam(query, 'endDate', Date.now());
  if (start > end) throw new AwsError('InvalidRequestException', 'startDate must not be after endDate.');
  const qualities = query.getAll('qualities');
  if (qualities.length > 1) throw new AwsError('InvalidRequestException', 'Specify at most one quality.');
  const ordering = query.get('timeOrdering') ?? 'ASCENDING';
  const all =
    store.series
      .get(`${asset.id}/${property.id}`)
      ?.range(start, end, qualities[0], ordering === 'DESCENDING') ?? [];
  const { items, nextToken } = paginate(all, query.get('nextToken'), pageSize);
  return { assetPropertyValueHistory: items, nextToken };
}

// API limits of GetInterpolatedAssetPropertyValues.
const INTERPOLATED_DEFAULT_PAGE = 10;
const INTERPOLATED_MAX_PAGE = 250;
const MAX_INTERVAL_SECONDS = 320_000_000;

function intParam(query: URLSearchParams, name: string, required: boolean): number | undefined {
  const text = query.get(name);
  if (text === null) {
    if (required) throw new AwsError('InvalidRequestException', `${name} is required.`);
    return undefined;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new AwsError('InvalidRequestException', `${name} must be a whole number.`);
  return n;
}

/**
 * Values at start + k * interval (start exclusive, end inclusive), as GetInterpolatedAssetPropertyValues
 * computes them from the values of one quality:
 * - LOCF_INTERPOLATION: the last value at or before each timestamp, carried forward for as long as no
 *   newer value exists (no value at all before the timestamp: no point).
 * - LINEAR_INTERPOLATION (DOUBLE and INTEGER properties): the straight line between the last value at or
 *   before and the first value at or after each timestamp, both within the window (intervalWindowInSeconds,
 *   default the interval) around it; no point when either side is missing.
 */
export function getInterpolated(
  store: SiteWiseStore,
  query: URLSearchParams,
  pageSize: number | undefined,
): Record<string, unknown> {
  const { asset, property } = targetFromQuery(store, query);
  const type = query.get('type');
  if (type !== 'LINEAR_INTERPOLATION' && type !== 'LOCF_INTERPOLATION') {
    throw new AwsError('InvalidRequestException', 'type must be LINEAR_INTERPOLATION or LOCF_INTERPOLATION.');
  }
  const quality = query.get('quality');
  if (quality === null || !['GOOD', 'BAD', 'UNCERTAIN'].includes(quality))
    throw new AwsError('InvalidRequestException', 'quality must be GOOD, BAD or UNCERTAIN.');
  const interval = intParam(query, 'intervalInSeconds', true)!;
  if (interval < 1 || interval > MAX_INTERVAL_SECONDS)
    throw new AwsError('InvalidRequestException', `intervalInSeconds must be 1 to ${MAX_INTERVAL_SECONDS}.`);
  const windowS = intParam(query, 'intervalWindowInSeconds', false) ?? interval;
  const startMs =
    intParam(query, 'startTimeInSeconds', true)! * 1000 +
    (intParam(query, 'startTimeOffsetInNanos', false) ?? 0) / 1e6;
  const endMs =
    intParam(query, 'endTimeInSeconds', true)! * 1000 +
    (intParam(query, 'endTimeOffsetInNanos', false) ?? 0) / 1e6;
  if (startMs >= endMs)
    throw new AwsError('InvalidRequestException', 'The start time must be before the end time.');
  const numeric = property.dataType === 'DOUBLE' || property.dataType === 'INTEGER';
  if (type === 'LINEAR_INTERPOLATION' && !numeric) {
    throw new AwsError(
      'InvalidRequestException',
      `LINEAR_INTERPOLATION needs a DOUBLE or INTEGER property; ${property.name} is ${property.dataType}.`,
    );
  }
  const maxResults = intParam(query, 'maxResults', false) ?? INTERPOLATED_DEFAULT_PAGE;
  if (maxResults < 1 || maxResults > INTERPOLATED_MAX_PAGE)
    throw new AwsError('InvalidRequestException', `maxResults must be 1 to ${INTERPOLATED_MAX_PAGE}.`);
  const size = Math.min(maxResults, pageSize ?? Number.POSITIVE_INFINITY);
  // The page token is the index of the next interpolation timestamp.
  const token = query.get('nextToken');
  let index = 1;
  if (token !== null) {
    index = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8').replace(/^i:/, ''), 10);
    if (!Number.isInteger(index) || index < 1)
      throw new AwsError('InvalidRequestException', 'The nextToken is not valid.');
  }
  const values =
    store.series.get(`${asset.id}/${property.id}`)?.range(-Infinity, Infinity, quality, false) ?? [];
  const out: { timestamp: Tqv['timestamp']; value: Tqv['value'] }[] = [];
  const intervalMs = interval * 1000;
  const windowMs = windowS * 1000;
  for (; out.length < size && startMs + index * intervalMs <= endMs; index++) {
    const at = startMs + index * intervalMs;
    let before: Tqv | undefined;
    let after: Tqv | undefined;
    for (const v of values) {
      const ms = tqvMillis(v);
      if (ms <= at) before = v;
      if (ms >= at) {
        after = v;
        break;
      }
    }
    const timestamp = { timeInSeconds: Math.floor(at / 1000), offsetInNanos: Math.round((at % 1000) * 1e6) };
    if (type === 'LOCF_INTERPOLATION') {
      if (before !== undefined) out.push({ timestamp, value: before.value });
      continue;
    }
    if (before === undefined || after === undefined) continue;
    const b = tqvMillis(before);
    const a = tqvMillis(after);
    if (at - b > windowMs || a - at > windowMs) continue;
    const bv = Number(before.value.doubleValue ?? before.value.integerValue);
    const av = Number(after.value.doubleValue ?? after.value.integerValue);
    const v = a === b ? bv : bv + ((av - bv) * (at - b)) / (a - b);
    // SiteWise returns interpolated values as doubles, whatever the property's type.
    out.push({ timestamp, value: { doubleValue: v } });
  }
  const more = startMs + index * intervalMs <= endMs;
  return {
    interpolatedAssetPropertyValues: out,
    ...(more && { nextToken: Buffer.from(`i:${index}`).toString('base64url') }),
  };
}
