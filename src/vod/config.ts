// VOD configuration: the component key `Vod` (validated by the same zod schema the component
// configuration uses, so the rules and messages are identical) and the per-camera overrides a camera's
// SiteWise attributes may carry. Absent or {} means the feature is off.
import { configSchema, type VodConfig } from '../config/index.js';
import { VodError } from './errors.js';

export type { VodConfig } from '../config/index.js';

/** Settings one publish uses: the component's Vod key with a camera's overrides applied. */
export interface VodSettings {
  bucket: string;
  /** Key prefix without leading/trailing slashes; "" for the bucket root. */
  prefix: string;
  packagingGroupId: string;
  sourceRoleArn: string;
  region?: string;
  /** hlssink2 target duration (s); segments are whole GOPs at least this long. */
  segmentSeconds: number;
}

/** Camera attributes that override the component's Vod settings for that camera. */
export const CAMERA_OVERRIDES = {
  VodS3Prefix: 'prefix',
  VodPackagingGroupId: 'packagingGroupId',
  VodSegmentDurationSeconds: 'segmentSeconds',
} as const;

const DEFAULT_SEGMENT_SECONDS = 6;

/**
 * Validates the `Vod` component key: null when the feature is off (absent, null, "" or {}), the
 * settings otherwise; throws VodError('config') naming each bad key.
 */
export function parseVodConfig(value: unknown): VodConfig | null {
  const result = configSchema.shape.Vod.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const key = i.path.length > 0 ? `Vod.${i.path.join('.')}` : 'Vod';
    const message =
      i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.join(', ')}; allowed: S3Bucket, S3Prefix, PackagingGroupId, SourceRoleArn, Region`
        : i.code === 'invalid_type'
          ? 'must be an object with S3Bucket, PackagingGroupId, SourceRoleArn (and optionally S3Prefix, Region), or {} to turn VOD publishing off'
          : i.message;
    return `${key}: ${message}`;
  });
  throw new VodError('config', `invalid Vod configuration: ${problems.join('; ')}`);
}

/**
 * The settings for one camera: `config` with the camera's attributes applied (VodS3Prefix,
 * VodPackagingGroupId, VodSegmentDurationSeconds; empty values are ignored). Throws VodError('config')
 * for an override that is not usable.
 */
export function vodSettingsFor(config: VodConfig, attributes: Record<string, unknown> = {}): VodSettings {
  const settings: VodSettings = {
    bucket: config.S3Bucket,
    prefix: config.S3Prefix,
    packagingGroupId: config.PackagingGroupId,
    sourceRoleArn: config.SourceRoleArn,
    segmentSeconds: DEFAULT_SEGMENT_SECONDS,
  };
  if (config.Region !== undefined) settings.region = config.Region;
  const text = (name: string) => {
    const v = attributes[name];
    if (v === undefined || v === null) return undefined;
    const s = String(v).trim();
    return s === '' ? undefined : s;
  };
  const prefix = text('VodS3Prefix');
  if (prefix !== undefined) settings.prefix = prefix.replace(/^\/+|\/+$/g, '');
  const group = text('VodPackagingGroupId');
  if (group !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(group))
      throw new VodError(
        'config',
        `camera attribute VodPackagingGroupId "${group}" may only hold letters, digits, _ and -`,
      );
    settings.packagingGroupId = group;
  }
  const seg = text('VodSegmentDurationSeconds');
  if (seg !== undefined) {
    const n = Number(seg);
    if (!Number.isInteger(n) || n < 1 || n > 60)
      throw new VodError(
        'config',
        `camera attribute VodSegmentDurationSeconds "${seg}" must be a whole number of seconds from 1 to 60`,
      );
    settings.segmentSeconds = n;
  }
  return settings;
}
