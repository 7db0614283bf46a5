// The KVS control plane (restJson1, every operation a POST with a JSON body): stream lifecycle, tags
// and GetDataEndpoint. Requests are not signature-checked here (only PutMedia is); see the docs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError, optionalString, readJson, sendJson } from './http.js';
import type { StreamRecord, StreamTable } from './streams.js';

/** What the control plane needs from the service around it. */
export interface ControlPlaneContext {
  streams: StreamTable;
  /** Returned by GetDataEndpoint for every API name. */
  dataEndpoint(): string;
  activationDelayMs(): number;
}

const NAME_RE = /^[a-zA-Z0-9_.-]{1,256}$/;
const MEDIA_TYPE_RE = /^[\w.-]+\/[\w.-]+(,[\w.-]+\/[\w.-]+)*$/;
const MAX_TAGS = 50;
const API_NAMES = new Set([
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
]);

/** Path -> operation name, as the SDK model routes them. */
export const OPERATIONS: Record<string, string> = {
  '/createStream': 'CreateStream',
  '/describeStream': 'DescribeStream',
  '/listStreams': 'ListStreams',
  '/deleteStream': 'DeleteStream',
  '/tagStream': 'TagStream',
  '/untagStream': 'UntagStream',
  '/listTagsForStream': 'ListTagsForStream',
  '/getDataEndpoint': 'GetDataEndpoint',
};

function invalid(message: string): ServiceError {
  return new ServiceError(400, 'InvalidArgumentException', message);
}

function findStream(ctx: ControlPlaneContext, body: Record<string, unknown>): StreamRecord {
  const StreamName = optionalString(body, 'StreamName');
  const StreamARN = optionalString(body, 'StreamARN');
  if (StreamName === undefined && StreamARN === undefined)
    throw invalid('StreamName or StreamARN is required');
  const stream = ctx.streams.get({ StreamName, StreamARN });
  if (!stream) {
    throw new ServiceError(
      404,
      'ResourceNotFoundException',
      `The requested stream ${StreamName ?? StreamARN} was not found`,
    );
  }
  return stream;
}

function readTags(body: Record<string, unknown>, required: boolean): Record<string, string> {
  const tags = body.Tags;
  if (tags === undefined && !required) return {};
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw invalid('Tags must be a map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string' || k.length < 1 || k.length > 128 || v.length > 256) {
      throw invalid(`tag ${k} is invalid (key 1-128 characters, value up to 256)`);
    }
    out[k] = v;
  }
  if (required && Object.keys(out).length === 0) throw invalid('Tags must hold at least one tag');
  return out;
}

function info(s: StreamRecord): Omit<StreamRecord, 'Tags'> {
  const { Tags: _tags, ...rest } = s;
  return rest;
}

export async function handleControlPlane(
  ctx: ControlPlaneContext,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJson(req);
  switch (operation) {
    case 'CreateStream': {
      const StreamName = optionalString(body, 'StreamName');
      if (StreamName === undefined || !NAME_RE.test(StreamName)) {
        throw invalid('StreamName must be 1-256 characters of [a-zA-Z0-9_.-]');
      }
      const MediaType = optionalString(body, 'MediaType');
      if (MediaType !== undefined && (MediaType.length > 128 || !MEDIA_TYPE_RE.test(MediaType))) {
        throw invalid(`MediaType ${MediaType} is not type/subtype[,type/subtype]`);
      }
      const retention = body.DataRetentionInHours ?? 0;
      if (
        typeof retention !== 'number' ||
        !Number.isInteger(retention) ||
        retention < 0 ||
        retention > 87600
      ) {
        throw invalid('DataRetentionInHours must be an integer from 0 to 87600');
      }
      const Tags = readTags(body, false);
      if (Object.keys(Tags).length > MAX_TAGS) {
        throw new ServiceError(
          400,
          'TagsPerResourceExceededLimitException',
          `at most ${MAX_TAGS} tags per stream`,
        );
      }
      if (ctx.streams.get({ StreamName })) {
        throw new ServiceError(400, 'ResourceInUseException', `The stream ${StreamName} already exists`);
      }
      const record = ctx.streams.create(
        {
          StreamName,
          MediaType,
          DeviceName: optionalString(body, 'DeviceName'),
          KmsKeyId: optionalString(body, 'KmsKeyId'),
          DataRetentionInHours: retention,
          Tags,
        },
        ctx.activationDelayMs(),
      );
      return sendJson(res, 200, { StreamARN: record.StreamARN });
    }
    case 'DescribeStream':
      return sendJson(res, 200, { StreamInfo: info(findStream(ctx, body)) });
    case 'ListStreams': {
      const max = body.MaxResults ?? 10000;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10000) {
        throw invalid('MaxResults must be an integer from 1 to 10000');
      }
      const cond = body.StreamNameCondition as
        { ComparisonOperator?: string; ComparisonValue?: string } | undefined;
      if (
        cond !== undefined &&
        cond.ComparisonOperator !== undefined &&
        cond.ComparisonOperator !== 'BEGINS_WITH'
      ) {
        throw invalid('ComparisonOperator must be BEGINS_WITH');
      }
      const prefix = cond?.ComparisonValue ?? '';
      const token = optionalString(body, 'NextToken');
      const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
      if (!Number.isInteger(start) || start < 0) throw invalid('NextToken is not valid');
      const all = ctx.streams.all().filter((s) => s.StreamName.startsWith(prefix));
      const page = all.slice(start, start + max);
      const next =
        start + max < all.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
      return sendJson(res, 200, { StreamInfoList: page.map(info), NextToken: next });
    }
    case 'DeleteStream': {
      const stream = findStream(ctx, body);
      const version = optionalString(body, 'CurrentVersion');
      if (version !== undefined && version !== stream.Version) {
        throw new ServiceError(400, 'VersionMismatchException', `stream version is ${stream.Version}`);
      }
      ctx.streams.delete(stream.StreamName);
      return sendJson(res, 200, {});
    }
    case 'TagStream': {
      const stream = findStream(ctx, body);
      const merged = { ...stream.Tags, ...readTags(body, true) };
      if (Object.keys(merged).length > MAX_TAGS) {
        throw new ServiceError(
          400,
          'TagsPerResourceExceededLimitException',
          `at most ${MAX_TAGS} tags per stream`,
        );
      }
      stream.Tags = merged;
      ctx.streams.save();
      return sendJson(res, 200, {});
    }
    case 'UntagStream': {
      const stream = findStream(ctx, body);
      const keys = body.TagKeyList;
      if (!Array.isArray(keys) || keys.length === 0) throw invalid('TagKeyList must list at least one key');
      for (const k of keys) delete stream.Tags[String(k)];
      ctx.streams.save();
      return sendJson(res, 200, {});
    }
    case 'ListTagsForStream':
      return sendJson(res, 200, { Tags: findStream(ctx, body).Tags });
    case 'GetDataEndpoint': {
      const api = optionalString(body, 'APIName');
      if (api === undefined || !API_NAMES.has(api)) throw invalid(`APIName ${api} is not supported`);
      findStream(ctx, body);
      return sendJson(res, 200, { DataEndpoint: ctx.dataEndpoint() });
    }
  }
}
