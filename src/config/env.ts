// Environment overrides for standalone runs: KVS_EDGE_<KEY IN SNAKE CASE> beats the file.
// The names are listed one by one (no name mangling), so `grep` finds them; docs/configuration.md has
// the same table. An empty variable counts as unset, as shells make it easy to set one by accident.
import type { Config } from './schema.js';

/** The environment variable of each key. Vod takes a JSON object. */
export const ENV_VARIABLES: Record<keyof Config, string> = {
  SiteWiseAssetIdForHub: 'KVS_EDGE_SITEWISE_ASSET_ID_FOR_HUB',
  RecordingsPath: 'KVS_EDGE_RECORDINGS_PATH',
  SegmentDurationSeconds: 'KVS_EDGE_SEGMENT_DURATION_SECONDS',
  LiveKeepAliveSeconds: 'KVS_EDGE_LIVE_KEEP_ALIVE_SECONDS',
  ConfigRefreshSeconds: 'KVS_EDGE_CONFIG_REFRESH_SECONDS',
  MaxLocalMediaSizeInMB: 'KVS_EDGE_MAX_LOCAL_MEDIA_SIZE_IN_MB',
  StrategyOnFullSize: 'KVS_EDGE_STRATEGY_ON_FULL_SIZE',
  DeleteAfterUpload: 'KVS_EDGE_DELETE_AFTER_UPLOAD',
  StreamRetentionInHours: 'KVS_EDGE_STREAM_RETENTION_IN_HOURS',
  TimeZone: 'KVS_EDGE_TIME_ZONE',
  LogLevel: 'KVS_EDGE_LOG_LEVEL',
  HealthTopicPrefix: 'KVS_EDGE_HEALTH_TOPIC_PREFIX',
  HealthIntervalSeconds: 'KVS_EDGE_HEALTH_INTERVAL_SECONDS',
  Vod: 'KVS_EDGE_VOD',
};

/** Environment values by key, as strings (Vod parsed from JSON); a bad JSON Vod is reported by key. */
export function environmentOverrides(env: Record<string, string | undefined>): {
  values: Record<string, unknown>;
  problems: { key: string; message: string }[];
} {
  const values: Record<string, unknown> = {};
  const problems: { key: string; message: string }[] = [];
  for (const [key, variable] of Object.entries(ENV_VARIABLES)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    if (key !== 'Vod') {
      values[key] = text;
      continue;
    }
    try {
      values[key] = JSON.parse(text);
    } catch {
      problems.push({
        key,
        message: `${variable} must hold a JSON object such as {"S3Bucket": "...", ...}; it is not valid JSON`,
      });
    }
  }
  return { values, problems };
}
