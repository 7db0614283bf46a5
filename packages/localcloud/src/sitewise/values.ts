import { AwsError } from '../http/index.js';

/** A SiteWise value as on the wire: exactly one member is set. */
export interface WireVariant {
  stringValue?: string;
  integerValue?: number;
  doubleValue?: number;
  booleanValue?: boolean;
}

/** A timestamp-quality-value as on the wire. */
export interface Tqv {
  timestamp: { timeInSeconds: number; offsetInNanos: number };
  quality: string;
  value: WireVariant;
}

export type DataType = 'STRING' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'STRUCT';

const MEMBER: Record<string, keyof WireVariant> = {
  STRING: 'stringValue',
  INTEGER: 'integerValue',
  DOUBLE: 'doubleValue',
  BOOLEAN: 'booleanValue',
};
const QUALITIES = new Set(['GOOD', 'BAD', 'UNCERTAIN']);
// SiteWise's ingestion window.
export const MAX_PAST_MS = 7 * 24 * 3600 * 1000;
export const MAX_FUTURE_MS = 10 * 60 * 1000;
// Per property; the connector writes about one value a minute, so a week of it fits.
export const MAX_VALUES_PER_PROPERTY = 20_000;

/** Nanoseconds since the epoch as a bigint-free sortable number of ms plus nanos remainder. */
export function tqvMillis(tqv: Tqv): number {
  return tqv.timestamp.timeInSeconds * 1000 + tqv.timestamp.offsetInNanos / 1e6;
}

function sameTime(a: Tqv, b: Tqv): boolean {
  return (
    a.timestamp.timeInSeconds === b.timestamp.timeInSeconds &&
    a.timestamp.offsetInNanos === b.timestamp.offsetInNanos
  );
}

/** Turn an attribute's default value (always a string in the model) into a typed variant. */
export function defaultVariant(dataType: string, text: string): WireVariant {
  switch (dataType) {
    case 'INTEGER':
      return { integerValue: Number.parseInt(text, 10) };
    case 'DOUBLE':
      return { doubleValue: Number.parseFloat(text) };
    case 'BOOLEAN':
      return { booleanValue: text.toLowerCase() === 'true' };
    default:
      return { stringValue: text };
  }
}

/** Why one value cannot be stored, as a BatchPut error code; undefined when it is fine. */
export function checkValue(
  dataType: string,
  tqv: Tqv,
  now: number,
): { code: string; message: string } | undefined {
  const ts = tqv.timestamp;
  if (
    typeof ts?.timeInSeconds !== 'number' ||
    !Number.isInteger(ts.timeInSeconds) ||
    !Number.isInteger(ts.offsetInNanos ?? 0) ||
    (ts.offsetInNanos ?? 0) < 0 ||
    (ts.offsetInNanos ?? 0) > 999_999_999
  ) {
    return {
      code: 'InvalidRequestException',
      message: 'timestamp must have integer timeInSeconds and offsetInNanos',
    };
  }
  const at = tqvMillis(tqv);
  if (at < now - MAX_PAST_MS || at > now + MAX_FUTURE_MS) {
    return {
      code: 'TimestampOutOfRangeException',
      message: 'Timestamps must be within the past 7 days and no more than 10 minutes in the future',
    };
  }
  if (!QUALITIES.has(tqv.quality))
    return { code: 'InvalidRequestException', message: `invalid quality ${tqv.quality}` };
  const members = Object.keys(tqv.value ?? {}).filter(
    (k) => (tqv.value as Record<string, unknown>)[k] !== undefined,
  );
  const want = MEMBER[dataType];
  if (want === undefined || members.length !== 1 || members[0] !== want) {
    return {
      code: 'InvalidRequestException',
      message: `The property's data type is ${dataType}: exactly one value of ${want ?? 'a supported type'} is required, got ${members.join(', ') || 'none'}`,
    };
  }
  const v = tqv.value[want];
  if (dataType === 'INTEGER' && !Number.isInteger(v)) {
    return { code: 'InvalidRequestException', message: 'integerValue must be an integer' };
  }
  return undefined;
}

/** One property's values, kept sorted by time; a write at an existing timestamp replaces that value. */
export class ValueSeries {
  readonly values: Tqv[];

  constructor(saved: Tqv[] = []) {
    this.values = saved;
  }

  put(tqv: Tqv): void {
    const at = tqvMillis(tqv);
    let i = this.values.length;
    while (i > 0 && tqvMillis(this.values[i - 1]!) > at) i--;
    const before = this.values[i - 1];
    if (before !== undefined && sameTime(before, tqv)) this.values[i - 1] = tqv;
    else this.values.splice(i, 0, tqv);
    if (this.values.length > MAX_VALUES_PER_PROPERTY) this.values.shift();
  }

  latest(): Tqv | undefined {
    return this.values.at(-1);
  }

  /** Values between start and end (both inclusive, as SiteWise), optionally of one quality. */
  range(startMs: number, endMs: number, quality: string | undefined, descending: boolean): Tqv[] {
    const out = this.values.filter((v) => {
      const at = tqvMillis(v);
      return at >= startMs && at <= endMs && (quality === undefined || v.quality === quality);
    });
    return descending ? out.reverse() : out;
  }
}

/** The JSON SiteWise publishes on a property's notification topic. */
export function notificationMessage(assetId: string, propertyId: string, values: Tqv[]): string {
  return JSON.stringify({ type: 'PropertyValueUpdate', payload: { assetId, propertyId, values } });
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new AwsError('InvalidRequestException', `${name} is required`);
  return value;
}
