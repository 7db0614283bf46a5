// One camera asset's properties -> a validated CameraConfig, or the list of reasons it cannot run.
import type { AssetProperty, PropertyDataType } from '@aws-sdk/client-iotsitewise';
import { CameraProperty, sameName, VOD_OVERRIDE_ATTRIBUTES } from './contract.js';

/** A schedule as the user wrote it in SiteWise: Quartz cron (or `-` never, `* * * * *` always). */
export interface ScheduleSpec {
  expression: string;
  durationMinutes: number;
}

/** Where one camera's request notifications come from. */
export interface RequestSource {
  assetId: string;
  propertyId: string;
  /** SiteWise's MQTT topic for the property, present when notifications are ENABLED. */
  topic?: string;
  notifications: 'ENABLED' | 'DISABLED';
}

/** Everything the connector needs to run one camera, read from its SiteWise asset. */
export interface CameraConfig {
  assetId: string;
  assetName: string;
  assetModelId: string;
  streamName: string;
  /** Secrets Manager id (ARN or name) of the JSON secret holding RTSPStreamURL. */
  secretArn: string;
  capture: ScheduleSpec;
  live: ScheduleSpec;
  retentionMinutes: number;
  /** Per-camera override of the component's MaxLocalMediaSizeInMB, when the model has the attribute. */
  maxLocalMediaSizeInMB?: number;
  /** Per-camera override of the component's DeleteAfterUpload, when the model has the attribute. */
  deleteAfterUpload?: boolean;
  /** Property ids of the status measurements the connector writes. */
  status: { uploadedRange: string; recordedRange: string; cachedRange: string };
  requests: RequestSource;
  /** Notification topics of the camera's attribute properties whose notifications are ENABLED. */
  attributeTopics?: string[];
  /** MediaPackage VOD properties, when the camera model has any of them. */
  vod?: CameraVodConfig;
}

/** The optional VOD properties of a camera (read only when the model has them). */
export interface CameraVodConfig {
  /** VodIngestRequest: `<startMs>-<endMs>` clips to publish. */
  request?: RequestSource;
  /** VodAssetStatus: where the JSON status of each publish is written. */
  statusPropertyId?: string;
  /** VodPublishStartTime + VodPublishDurationInMinutes: a recurring clip, published when its window ends. */
  schedule?: ScheduleSpec;
  /** Values of the per-camera overrides (VodS3Prefix, ...), by attribute name. */
  attributes: Record<string, AttributeValue>;
}

/** A value read from SiteWise (GetAssetPropertyValue, or the model's attribute default). */
export type AttributeValue = string | number | boolean | undefined;

/** Validates a schedule; returns a reason when invalid. Supplied by the schedule module. */
export type ScheduleCheck = (expression: string, durationMinutes: number) => string | undefined;

/** Schedules that need no duration (the reference special-cases these exact strings). */
const NEVER = '-';
const ALWAYS = '* * * * *';
// KVS stream-name rules (CreateStream): 1-256 of [a-zA-Z0-9_.-].
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
// A day-long window is the longest that makes sense for a daily schedule; beyond a year is a typo.
const MAX_DURATION_MINUTES = 366 * 24 * 60;

/** Inputs for one camera's validation. */
export interface CameraInput {
  assetId: string;
  assetName: string;
  assetModelId: string;
  properties: readonly AssetProperty[];
  /** Values of the attribute properties, keyed by property id. */
  values: ReadonlyMap<string, AttributeValue>;
}

/** The config, or every problem found (each names the asset, the property and the value). */
export type CameraResult =
  { ok: true; config: CameraConfig } | { ok: false; problems: string[]; attributeTopics?: string[] };

/** Validate one camera asset. */
export function buildCameraConfig(input: CameraInput, checkSchedule: ScheduleCheck): CameraResult {
  const problems: string[] = [];
  const where = `camera asset ${input.assetName} (${input.assetId})`;
  const find = (name: string): AssetProperty | undefined =>
    input.properties.find((p) => sameName(p.name, name));

  const property = (name: string, types: readonly PropertyDataType[]): AssetProperty | undefined => {
    const p = find(name);
    if (p?.id === undefined) {
      problems.push(`${where} has no property ${name}; its model must have it (see the reference model)`);
      return undefined;
    }
    if (p.dataType !== undefined && !types.includes(p.dataType)) {
      problems.push(`${where}: property ${name} is ${p.dataType}, expected ${types.join(' or ')}`);
      return undefined;
    }
    return p;
  };
  const value = (p: AssetProperty | undefined): AttributeValue =>
    p?.id === undefined ? undefined : input.values.get(p.id);

  const text = (name: string, required: boolean): string | undefined => {
    const p = property(name, ['STRING']);
    if (p === undefined) return undefined;
    const v = value(p);
    // The getting-started model's defaults ("<Replace with ...>") mean the user has not set it yet.
    const s = typeof v === 'string' && !/^<replace with/i.test(v.trim()) ? v.trim() : undefined;
    if ((s === undefined || s === '') && required) {
      problems.push(`${where}: property ${name} has no value; set it on the asset`);
      return undefined;
    }
    return s;
  };
  const integer = (name: string, fallback: number): number | undefined => {
    const p = property(name, ['INTEGER']);
    if (p === undefined) return undefined;
    const v = value(p);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      problems.push(`${where}: property ${name} value ${JSON.stringify(v)} is not an integer`);
      return undefined;
    }
    return v;
  };

  const streamName = text(CameraProperty.streamName, true);
  if (streamName !== undefined && !STREAM_NAME.test(streamName)) {
    problems.push(
      `${where}: property ${CameraProperty.streamName} value ${JSON.stringify(streamName)} is not a valid ` +
        'Kinesis Video stream name (1-256 of letters, digits, _ . -)',
    );
  }
  const secretArn = text(CameraProperty.secretArn, true);

  const schedule = (startName: string, durationName: string): ScheduleSpec | undefined => {
    // An empty cron means "never" in the reference (nothing is scheduled).
    const expression = text(startName, false) || NEVER;
    const duration = integer(durationName, 0);
    if (duration === undefined) return undefined;
    if (expression === NEVER || expression === ALWAYS) return { expression, durationMinutes: duration };
    if (duration < 1 || duration > MAX_DURATION_MINUTES) {
      problems.push(
        `${where}: property ${durationName} value ${duration} is not a duration in minutes between 1 and ` +
          `${MAX_DURATION_MINUTES} (needed because ${startName} is ${JSON.stringify(expression)})`,
      );
      return undefined;
    }
    const reason = checkSchedule(expression, duration);
    if (reason !== undefined) {
      problems.push(
        `${where}: property ${startName} value ${JSON.stringify(expression)} with ${durationName} ` +
          `${duration}: ${reason}`,
      );
      return undefined;
    }
    return { expression, durationMinutes: duration };
  };
  const capture = schedule(CameraProperty.captureStart, CameraProperty.captureDuration);
  const live = schedule(CameraProperty.liveStart, CameraProperty.liveDuration);

  const retentionMinutes = integer(CameraProperty.retentionMinutes, 60);
  if (retentionMinutes !== undefined && retentionMinutes < 0) {
    problems.push(
      `${where}: property ${CameraProperty.retentionMinutes} value ${retentionMinutes} is negative; ` +
        'give the minutes to keep local video',
    );
  }

  // Optional overrides: only when the model has them.
  let maxLocalMediaSizeInMB: number | undefined;
  if (find(CameraProperty.maxLocalMediaSizeInMB) !== undefined) {
    const p = property(CameraProperty.maxLocalMediaSizeInMB, ['INTEGER', 'DOUBLE']);
    const v = value(p);
    if (p !== undefined && v !== undefined) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        problems.push(
          `${where}: property ${CameraProperty.maxLocalMediaSizeInMB} value ${JSON.stringify(v)} is not a ` +
            'size in MB >= 0 (0 = no limit)',
        );
      } else maxLocalMediaSizeInMB = v;
    }
  }
  let deleteAfterUpload: boolean | undefined;
  if (find(CameraProperty.deleteAfterUpload) !== undefined) {
    const p = property(CameraProperty.deleteAfterUpload, ['BOOLEAN', 'STRING']);
    const v = value(p);
    if (p !== undefined && v !== undefined) {
      const b = typeof v === 'string' ? { true: true, false: false }[v.trim().toLowerCase()] : v;
      if (typeof b !== 'boolean') {
        problems.push(
          `${where}: property ${CameraProperty.deleteAfterUpload} value ${JSON.stringify(v)} is not true or false`,
        );
      } else deleteAfterUpload = b;
    }
  }

  const vod = readVod();
  function readVod(): CameraVodConfig | undefined {
    const names = [
      CameraProperty.vodRequest,
      CameraProperty.vodStatus,
      CameraProperty.vodStart,
      ...VOD_OVERRIDE_ATTRIBUTES,
    ];
    if (!names.some((n) => find(n) !== undefined)) return undefined;
    const out: CameraVodConfig = { attributes: {} };
    const req = find(CameraProperty.vodRequest) && property(CameraProperty.vodRequest, ['STRING']);
    if (req?.id !== undefined) {
      const on = req.notification?.state === 'ENABLED' && req.notification.topic !== undefined;
      out.request = {
        assetId: input.assetId,
        propertyId: req.id,
        notifications: on ? 'ENABLED' : 'DISABLED',
        ...(on && { topic: req.notification?.topic }),
      };
    }
    const st = find(CameraProperty.vodStatus) && property(CameraProperty.vodStatus, ['STRING']);
    if (st?.id !== undefined) out.statusPropertyId = st.id;
    if (find(CameraProperty.vodStart) !== undefined) {
      const spec = schedule(CameraProperty.vodStart, CameraProperty.vodDuration);
      if (spec !== undefined && spec.expression !== NEVER) out.schedule = spec;
    }
    for (const name of VOD_OVERRIDE_ATTRIBUTES) {
      const p = find(name);
      if (p !== undefined) out.attributes[name] = value(p);
    }
    return out;
  }

  // An edited attribute can be noticed at once (hot reload) where the user enabled its notifications;
  // an invalid camera's too, so fixing it needs no wait for the next periodic refresh.
  const attributeTopics = input.properties.flatMap((p) =>
    p.id !== undefined &&
    input.values.has(p.id) &&
    p.notification?.state === 'ENABLED' &&
    p.notification.topic !== undefined
      ? [p.notification.topic]
      : [],
  );

  const request = property(CameraProperty.uploadRequest, ['STRING']);
  const uploaded = property(CameraProperty.uploadedRange, ['DOUBLE']);
  const recorded = property(CameraProperty.recordedRange, ['DOUBLE']);
  const cached = property(CameraProperty.cachedRange, ['DOUBLE']);

  if (
    problems.length > 0 ||
    streamName === undefined ||
    secretArn === undefined ||
    capture === undefined ||
    live === undefined ||
    retentionMinutes === undefined ||
    request?.id === undefined ||
    uploaded?.id === undefined ||
    recorded?.id === undefined ||
    cached?.id === undefined
  ) {
    return { ok: false, problems, ...(attributeTopics.length > 0 && { attributeTopics }) };
  }
  const enabled = request.notification?.state === 'ENABLED' && request.notification.topic !== undefined;
  return {
    ok: true,
    config: {
      assetId: input.assetId,
      assetName: input.assetName,
      assetModelId: input.assetModelId,
      streamName,
      secretArn,
      capture,
      live,
      retentionMinutes,
      ...(maxLocalMediaSizeInMB !== undefined && { maxLocalMediaSizeInMB }),
      ...(deleteAfterUpload !== undefined && { deleteAfterUpload }),
      status: { uploadedRange: uploaded.id, recordedRange: recorded.id, cachedRange: cached.id },
      requests: {
        assetId: input.assetId,
        propertyId: request.id,
        notifications: enabled ? 'ENABLED' : 'DISABLED',
        ...(enabled && { topic: request.notification?.topic }),
      },
      ...(attributeTopics.length > 0 && { attributeTopics }),
      ...(vod !== undefined && { vod }),
    },
  };
}
