import type { Logger } from 'pino';
import { AwsError } from '../http/index.js';
import { notificationTopic, type SiteWiseStore, type StoredAsset, type StoredProperty } from './assets.js';
import { checkValue, notificationMessage, type Tqv } from './values.js';
import { paginate } from './wire.js';

// API limits of BatchPutAssetPropertyValue.
const MAX_ENTRIES = 10;
const MAX_VALUES_PER_ENTRY = 10;

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
          timeInSeconds: raw.timestamp?.timeInSeconds,
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
