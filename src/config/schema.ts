// The component configuration: every key, its default and its rule, in one zod schema used for both
// Greengrass (IPC GetConfiguration) and standalone files. Every leaf goes through a parser of
// values.ts, so each message names the value and what is allowed; zod carries the structure and
// rejects unknown keys.
import { z } from 'zod';
import { isValidTimeZone } from '../schedule/index.js';
import {
  ValueError,
  parseBoolean,
  parseChoice,
  parseSizeMB,
  parseText,
  parseWholeNumber,
  quote,
} from './values.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export const FULL_SIZE_STRATEGIES = ['DELETE_OLDEST_MEDIA', 'DENY_NEW_MEDIA'] as const;

/** Log levels the configuration accepts. */
export type ConfigLogLevel = (typeof LOG_LEVELS)[number];
/** What to do when MaxLocalMediaSizeInMB is reached. */
export type FullSizeStrategy = (typeof FULL_SIZE_STRATEGIES)[number];

/** MediaPackage VOD publishing; absent (Vod: {}) means off. */
export interface VodConfig {
  S3Bucket: string;
  S3Prefix: string;
  PackagingGroupId: string;
  SourceRoleArn: string;
  /** Region of the bucket and MediaPackage; the component's region when absent. */
  Region?: string;
}

/** The validated component configuration. */
export interface Config {
  /** Hub asset id; "" means look up `externalId:<AWS_IOT_THING_NAME>`. */
  SiteWiseAssetIdForHub: string;
  /** Root of the recordings; "" means the default (see resolveRecordingsPath). */
  RecordingsPath: string;
  SegmentDurationSeconds: number;
  LiveKeepAliveSeconds: number;
  ConfigRefreshSeconds: number;
  /** 0 means no limit. */
  MaxLocalMediaSizeInMB: number;
  StrategyOnFullSize: FullSizeStrategy;
  DeleteAfterUpload: boolean;
  StreamRetentionInHours: number;
  /** IANA zone for schedules; "" means the system zone. */
  TimeZone: string;
  LogLevel: ConfigLogLevel;
  /** First levels of each camera's health topic; "" turns health publishing off. */
  HealthTopicPrefix: string;
  /** At most one health state message per camera per this many seconds; metrics every this often. */
  HealthIntervalSeconds: number;
  /** null when VOD publishing is off. */
  Vod: VodConfig | null;
}

/**
 * The defaults as a user would write them (recipe.yaml's DefaultConfiguration must equal this, minus
 * accessControl; a test checks it).
 */
export const CONFIG_DEFAULTS = {
  SiteWiseAssetIdForHub: '',
  RecordingsPath: '',
  SegmentDurationSeconds: 60,
  LiveKeepAliveSeconds: 300,
  ConfigRefreshSeconds: 60,
  MaxLocalMediaSizeInMB: 0,
  StrategyOnFullSize: 'DELETE_OLDEST_MEDIA',
  DeleteAfterUpload: false,
  StreamRetentionInHours: 168,
  TimeZone: '',
  LogLevel: 'info',
  HealthTopicPrefix: 'kvs-edge',
  HealthIntervalSeconds: 60,
  Vod: {},
} as const;

/** The keys, in documentation order. */
export const CONFIG_KEYS = Object.keys(CONFIG_DEFAULTS) as (keyof Config)[];

const DAY_SECONDS = 86_400;
// KVS accepts DataRetentionInHours 0 (keep nothing, live only) up to 87600 (ten years).
const MAX_RETENTION_HOURS = 87_600;

function leaf<T>(parse: (value: unknown) => T) {
  // optional() first, so the parser also runs for a missing key and can say it is missing.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      try {
        return parse(value);
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
}

function required(value: unknown): string {
  const text = parseText(value ?? '');
  if (text === '')
    throw new ValueError(
      `missing; Vod needs S3Bucket, PackagingGroupId and SourceRoleArn, or {} to turn it off`,
    );
  return text;
}

function timeZone(value: unknown): string {
  const text = parseText(value);
  if (text !== '' && !isValidTimeZone(text)) {
    throw new ValueError(
      `${quote(value)} is not a known time zone; use an IANA name such as Europe/Berlin, or "" for the system zone`,
    );
  }
  return text;
}

// The reference passed the hub id through a quoted shell argument and then deleted every ' from it
// (commit e7e8af9, Windows); values copied from such set-ups may still carry the quotes.
function hubId(value: unknown): string {
  return parseText(value).replaceAll("'", '');
}

// The prefix becomes the first levels of a topic the component publishes on: a publish topic may not
// hold wildcards, and $-topics are reserved by AWS IoT.
function topicPrefix(value: unknown): string {
  const text = parseText(value);
  if (text === '') return text;
  if (/[+#]/.test(text) || text.startsWith('$') || text.startsWith('/') || text.endsWith('/')) {
    throw new ValueError(
      `${quote(value)} is not allowed; use topic levels without wildcards (+, #), a leading $ or / or a trailing /, e.g. "kvs-edge" or "plant-1/video", or "" to turn health publishing off`,
    );
  }
  return text;
}

const vodSchema = z.strictObject({
  S3Bucket: leaf(required),
  S3Prefix: leaf((v) => parseText(v ?? '').replace(/^\/+|\/+$/g, '')),
  PackagingGroupId: leaf(required),
  SourceRoleArn: leaf((v) => {
    const arn = required(v);
    if (!arn.startsWith('arn:'))
      throw new ValueError(`${quote(v)} is not allowed; use an IAM role ARN (arn:...)`);
    return arn;
  }),
  Region: leaf((v) => (v === undefined || v === '' ? undefined : parseText(v))),
});

const off = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === '' ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

export const configSchema = z.strictObject({
  SiteWiseAssetIdForHub: leaf(hubId).default(CONFIG_DEFAULTS.SiteWiseAssetIdForHub),
  RecordingsPath: leaf(parseText).default(CONFIG_DEFAULTS.RecordingsPath),
  SegmentDurationSeconds: leaf((v) => parseWholeNumber(v, 1, 3600)).default(
    CONFIG_DEFAULTS.SegmentDurationSeconds,
  ),
  LiveKeepAliveSeconds: leaf((v) => parseWholeNumber(v, 1, DAY_SECONDS)).default(
    CONFIG_DEFAULTS.LiveKeepAliveSeconds,
  ),
  ConfigRefreshSeconds: leaf((v) => parseWholeNumber(v, 1, DAY_SECONDS)).default(
    CONFIG_DEFAULTS.ConfigRefreshSeconds,
  ),
  MaxLocalMediaSizeInMB: leaf(parseSizeMB).default(CONFIG_DEFAULTS.MaxLocalMediaSizeInMB),
  StrategyOnFullSize: leaf((v) => parseChoice(v, FULL_SIZE_STRATEGIES)).default(
    CONFIG_DEFAULTS.StrategyOnFullSize,
  ),
  DeleteAfterUpload: leaf(parseBoolean).default(CONFIG_DEFAULTS.DeleteAfterUpload),
  StreamRetentionInHours: leaf((v) => parseWholeNumber(v, 0, MAX_RETENTION_HOURS)).default(
    CONFIG_DEFAULTS.StreamRetentionInHours,
  ),
  TimeZone: leaf(timeZone).default(CONFIG_DEFAULTS.TimeZone),
  LogLevel: leaf((v) => parseChoice(v, LOG_LEVELS)).default(CONFIG_DEFAULTS.LogLevel),
  HealthTopicPrefix: leaf(topicPrefix).default(CONFIG_DEFAULTS.HealthTopicPrefix),
  HealthIntervalSeconds: leaf((v) => parseWholeNumber(v, 1, 3600)).default(
    CONFIG_DEFAULTS.HealthIntervalSeconds,
  ),
  Vod: z
    .preprocess((v) => (off(v) ? undefined : v), vodSchema.optional())
    .transform((v): VodConfig | null => {
      if (!v) return null;
      const { Region, ...rest } = v;
      return Region === undefined ? rest : { ...rest, Region };
    }),
});

// Compile-time check: what the schema produces is a Config.
type Assert<T extends true> = T;
export type SchemaProducesConfig = Assert<z.output<typeof configSchema> extends Config ? true : false>;
