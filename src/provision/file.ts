// Reading a provisioning file. Two shapes are accepted:
//
// - the reference's getting-started `resource_configure.yml`: free top-level keys, each an entry with
//   `Type: EdgeConnectorForKVSHubAsset` (Name, HubName, ChildrenCameraSiteWiseAssetName) or
//   `Type: EdgeConnectorForKVSCameraAsset` (Name, camera attributes, RTSPStream), so files people
//   already have work as they are;
// - our own: `Hub:` (Name, HubName, ThingName), `Cameras:` (a list of camera entries with the same keys
//   as the reference's) and an optional `StreamRetentionInHours`.
//
// Every mistake is collected with its line and column, so a file is fixed in one go; nothing is sent
// to AWS until the whole file reads cleanly.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { CameraProperty } from '../sitewise/index.js';
import { parseSchedule, ScheduleError } from '../schedule/index.js';

import { DEFAULT_VIDEO_COMPONENT, type TwinMakerSpec } from './twinmaker.js';
export const HUB_TYPE = 'EdgeConnectorForKVSHubAsset';
export const CAMERA_TYPE = 'EdgeConnectorForKVSCameraAsset';
// What the reference's script gives a stream it creates.
export const DEFAULT_STREAM_RETENTION_HOURS = 168;

/** Camera attributes a file may set, with their SiteWise types (the optional ones need a model that has them). */
const CAMERA_ATTRIBUTES: Record<string, 'string' | 'integer' | 'boolean'> = {
  [CameraProperty.streamName]: 'string',
  [CameraProperty.secretArn]: 'string',
  [CameraProperty.retentionMinutes]: 'integer',
  [CameraProperty.liveStart]: 'string',
  [CameraProperty.liveDuration]: 'integer',
  [CameraProperty.captureStart]: 'string',
  [CameraProperty.captureDuration]: 'integer',
  [CameraProperty.maxLocalMediaSizeInMB]: 'integer',
  [CameraProperty.deleteAfterUpload]: 'boolean',
};
const CAMERA_KEYS = ['Type', 'Name', 'RTSPStream', ...Object.keys(CAMERA_ATTRIBUTES)];
const HUB_KEYS_REFERENCE = ['Type', 'Name', 'HubName', 'ChildrenCameraSiteWiseAssetName'];
const HUB_KEYS_OWN = ['Name', 'HubName', 'ThingName'];
const TOP_KEYS_OWN = ['Hub', 'Cameras', 'StreamRetentionInHours', 'TwinMaker'];
const TWINMAKER_KEYS = ['WorkspaceId', 'ComponentName', 'Role', 'S3Location'];
// TwinMaker's own rule for workspace ids (CreateWorkspace: 1-128, letters, digits, _ and -).
const WORKSPACE_ID = /^[a-zA-Z_0-9][a-zA-Z_\-0-9]*[a-zA-Z0-9]+$/;
// KVS CreateStream's rule for stream names.
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;

export interface CameraSpec {
  name: string;
  streamName: string;
  /** Goes into a Secrets Manager secret; never printed. */
  rtspUrl?: string;
  /** An existing secret (instead of rtspUrl). */
  secretArn?: string;
  /** Attribute values by camera model property name (stream name and secret ARN excluded). */
  attributes: Record<string, string | number | boolean>;
  line: number;
}

export interface HubSpec {
  name: string;
  hubName?: string;
  /** Asset external id: lets the component find its hub by thing name. */
  thingName?: string;
  /** Camera asset names to associate. */
  cameras: string[];
  line: number;
}

export interface ProvisionSpec {
  format: 'reference' | 'kvs-edge';
  hubs: HubSpec[];
  cameras: CameraSpec[];
  streamRetentionHours: number;
  /** TwinMaker entities for the cameras, when the file has a TwinMaker section. */
  twinmaker?: TwinMakerSpec;
}

/** One mistake in the file, with where it is (1-based). */
export interface FileProblem {
  line: number;
  column: number;
  message: string;
}

/** The file cannot be used; `problems` lists every mistake found, in file order. */
export class ProvisionFileError extends Error {
  override readonly name = 'ProvisionFileError';
  constructor(
    readonly file: string,
    readonly problems: FileProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  }
}

/** Parses and checks a provisioning file's text; throws ProvisionFileError listing every mistake. */
export function parseProvisionFile(text: string, file: string): ProvisionSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: FileProblem[] = [];
  const at: At = (target, message) => {
    const offset = typeof target === 'number' ? target : (target?.range?.[0] ?? 0);
    const pos = lines.linePos(offset);
    problems.push({ line: pos.line, column: pos.col, message });
  };
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    problems.push({ line: pos.line, column: pos.col, message: firstLine(error.message) });
  }
  if (problems.length > 0) throw new ProvisionFileError(file, problems);
  const spec = readDocument(doc, at);
  // Entries carried offsets while reading; people count lines.
  for (const entry of [...spec.hubs, ...spec.cameras]) entry.line = lines.linePos(entry.line).line;
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ProvisionFileError(file, problems);
  }
  return spec;
}

// A node, or an offset into the text.
type At = (target: Node | number | undefined | null, message: string) => void;

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function readDocument(doc: Document, at: At): ProvisionSpec {
  const root = doc.contents;
  const spec: ProvisionSpec = {
    format: 'reference',
    hubs: [],
    cameras: [],
    streamRetentionHours: DEFAULT_STREAM_RETENTION_HOURS,
  };
  if (!isMap(root)) {
    at(root, 'the file must be a mapping: Hub and Cameras, or entries with a Type (resource_configure.yml)');
    return spec;
  }
  const own = root.items.some(
    (pair) =>
      isScalar(pair.key) &&
      (pair.key.value === 'Cameras' || pair.key.value === 'Hub') &&
      !(isMap(pair.value) && pair.value.has('Type')),
  );
  if (own) {
    spec.format = 'kvs-edge';
    readOwn(root, spec, at);
  } else {
    readReference(root, spec, at);
  }
  const names = new Set<string>();
  for (const camera of spec.cameras) {
    if (names.has(camera.name))
      at(camera.line, `camera "${camera.name}" appears twice; asset names must be unique`);
    names.add(camera.name);
  }
  const streams = new Map<string, string>();
  for (const camera of spec.cameras) {
    const other = streams.get(camera.streamName);
    if (other !== undefined && camera.streamName !== '') {
      at(
        camera.line,
        `cameras "${other}" and "${camera.name}" use the same KinesisVideoStreamName "${camera.streamName}"; each camera needs its own stream`,
      );
    }
    streams.set(camera.streamName, camera.name);
  }
  if (spec.hubs.length === 0 && spec.cameras.length > 0) {
    at(root, `no hub: add a Hub (or an entry with Type: ${HUB_TYPE}) so the cameras have a hub to belong to`);
  }
  return spec;
}

function readReference(root: import('yaml').YAMLMap, spec: ProvisionSpec, at: At) {
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const entry = pair.value as Node | null;
    if (!isMap(entry)) {
      at(
        (entry ?? pair.key) as Node,
        `"${key}" must be a mapping with a Type (${HUB_TYPE} or ${CAMERA_TYPE})`,
      );
      continue;
    }
    const type = entry.get('Type', true);
    const typeValue = isScalar(type) ? type.value : undefined;
    if (typeValue === HUB_TYPE) {
      unknownKeys(entry, HUB_KEYS_REFERENCE, `hub entry "${key}"`, at);
      const name = requiredString(entry, 'Name', `hub entry "${key}"`, at);
      const children = entry.get('ChildrenCameraSiteWiseAssetName', true);
      const cameras: string[] = [];
      if (children !== undefined) {
        if (!isSeq(children))
          at(children as Node, 'ChildrenCameraSiteWiseAssetName must be a list of camera asset names');
        else
          for (const item of children.items) {
            if (isScalar(item) && typeof item.value === 'string' && item.value !== '')
              cameras.push(item.value);
            else at(item as Node, 'ChildrenCameraSiteWiseAssetName must list camera asset names (text)');
          }
      }
      const hubName = optionalString(entry, 'HubName', at);
      spec.hubs.push({ name, cameras, line: lineOf(entry), ...(hubName !== undefined && { hubName }) });
    } else if (typeValue === CAMERA_TYPE) {
      const camera = readCamera(entry, `camera entry "${key}"`, at);
      if (camera) spec.cameras.push(camera);
    } else if (type === undefined) {
      at(entry, `"${key}" has no Type: write Type: ${HUB_TYPE} or Type: ${CAMERA_TYPE}`);
    } else {
      at(
        type as Node,
        `"${key}": unknown Type ${JSON.stringify(typeValue)}; use ${HUB_TYPE} or ${CAMERA_TYPE}`,
      );
    }
  }
}

function readTwinMaker(root: import('yaml').YAMLMap, spec: ProvisionSpec, at: At) {
  const section = root.get('TwinMaker', true);
  if (section === undefined) return;
  if (!isMap(section)) {
    at(
      section as Node,
      'TwinMaker must be a mapping with WorkspaceId (and optionally ComponentName, Role, S3Location)',
    );
    return;
  }
  unknownKeys(section, TWINMAKER_KEYS, 'TwinMaker', at);
  const workspaceId = requiredString(section, 'WorkspaceId', 'TwinMaker', at);
  if (workspaceId !== '' && (workspaceId.length > 128 || !WORKSPACE_ID.test(workspaceId))) {
    at(
      section.get('WorkspaceId', true) as Node,
      `TwinMaker.WorkspaceId "${workspaceId}" may use letters, digits, '_' and '-' (1-128, not ending in '_' or '-')`,
    );
  }
  const componentName = optionalString(section, 'ComponentName', at) ?? DEFAULT_VIDEO_COMPONENT;
  const role = optionalString(section, 'Role', at);
  const s3Location = optionalString(section, 'S3Location', at);
  if ((role === undefined) !== (s3Location === undefined)) {
    at(section, 'TwinMaker: give both Role and S3Location (to create the workspace), or neither (it exists)');
  }
  spec.twinmaker = {
    workspaceId,
    componentName,
    ...(role !== undefined && { role }),
    ...(s3Location !== undefined && { s3Location }),
  };
}

function readOwn(root: import('yaml').YAMLMap, spec: ProvisionSpec, at: At) {
  unknownKeys(root, TOP_KEYS_OWN, 'the file', at);
  readTwinMaker(root, spec, at);
  const retention = root.get('StreamRetentionInHours', true);
  if (retention !== undefined) {
    const value = isScalar(retention) ? retention.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) spec.streamRetentionHours = value;
    else
      at(
        retention as Node,
        'StreamRetentionInHours must be a whole number of hours (0 keeps no data in KVS)',
      );
  }
  const cameras = root.get('Cameras', true);
  if (cameras !== undefined && !isSeq(cameras)) {
    at(cameras as Node, 'Cameras must be a list; start each camera with "- Name: ..."');
  } else if (isSeq(cameras)) {
    for (const [i, item] of cameras.items.entries()) {
      if (!isMap(item)) {
        at(item as Node, `camera ${i + 1} must be a mapping (Name, KinesisVideoStreamName, RTSPStream, ...)`);
        continue;
      }
      const camera = readCamera(item, `camera ${i + 1}`, at);
      if (camera) spec.cameras.push(camera);
    }
  }
  const hub = root.get('Hub', true);
  if (hub === undefined) return;
  if (!isMap(hub)) {
    at(hub as Node, 'Hub must be a mapping with Name (and optionally HubName, ThingName)');
    return;
  }
  unknownKeys(hub, HUB_KEYS_OWN, 'Hub', at);
  const name = requiredString(hub, 'Name', 'Hub', at);
  const hubName = optionalString(hub, 'HubName', at);
  const thingName = optionalString(hub, 'ThingName', at);
  spec.hubs.push({
    name,
    cameras: spec.cameras.map((c) => c.name),
    line: lineOf(hub),
    ...(hubName !== undefined && { hubName }),
    ...(thingName !== undefined && { thingName }),
  });
}

function readCamera(entry: import('yaml').YAMLMap, what: string, at: At): CameraSpec | undefined {
  const name = requiredString(entry, 'Name', what, at);
  const where = name ? `camera "${name}"` : what;
  unknownKeys(entry, CAMERA_KEYS, where, at);
  const streamName = requiredString(entry, CameraProperty.streamName, where, at);
  const streamNode = entry.get(CameraProperty.streamName, true) as Node | undefined;
  if (streamName !== '' && !STREAM_NAME.test(streamName)) {
    at(
      streamNode,
      `${where}: KinesisVideoStreamName "${streamName}" may only use letters, digits, '_', '.', '-' (1-256)`,
    );
  }
  const rtspUrl = optionalString(entry, 'RTSPStream', at);
  const rtspNode = entry.get('RTSPStream', true) as Node | undefined;
  if (rtspUrl !== undefined && !/^rtsps?:\/\/[^/\s]+/i.test(rtspUrl)) {
    // The value may hold a password: name the mistake, not the value.
    at(
      rtspNode,
      `${where}: RTSPStream must be an rtsp:// or rtsps:// URL (rtsp://user:password@host:554/path)`,
    );
  }
  const secretArn = optionalString(entry, CameraProperty.secretArn, at);
  if (rtspUrl !== undefined && secretArn !== undefined) {
    at(rtspNode, `${where}: give RTSPStream or RTSPStreamSecretARN, not both`);
  }
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, type] of Object.entries(CAMERA_ATTRIBUTES)) {
    if (key === CameraProperty.streamName || key === CameraProperty.secretArn) continue;
    const node = entry.get(key, true);
    if (node === undefined) continue;
    const value = isScalar(node) ? node.value : undefined;
    if (type === 'integer') {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) attributes[key] = value;
      else
        at(
          node as Node,
          `${where}: ${key} must be a whole number >= 0, got ${JSON.stringify(value ?? null)}`,
        );
    } else if (type === 'boolean') {
      if (typeof value === 'boolean') attributes[key] = value;
      else at(node as Node, `${where}: ${key} must be true or false`);
    } else if (typeof value === 'string') attributes[key] = value;
    else at(node as Node, `${where}: ${key} must be text; put it in quotes, e.g. "${String(value)}"`);
  }
  checkSchedule(entry, where, CameraProperty.captureStart, CameraProperty.captureDuration, attributes, at);
  checkSchedule(entry, where, CameraProperty.liveStart, CameraProperty.liveDuration, attributes, at);
  if (!name) return undefined;
  return {
    name,
    streamName,
    attributes,
    line: lineOf(entry),
    ...(rtspUrl !== undefined && { rtspUrl }),
    ...(secretArn !== undefined && { secretArn }),
  };
}

// The same check the component makes at discovery (in UTC: only the shape and the duration matter).
function checkSchedule(
  entry: import('yaml').YAMLMap,
  where: string,
  startKey: string,
  durationKey: string,
  attributes: Record<string, string | number | boolean>,
  at: At,
) {
  const expression = attributes[startKey];
  if (typeof expression !== 'string') return;
  const duration = attributes[durationKey];
  try {
    const schedule = parseSchedule(expression, { timeZone: 'UTC' });
    if (schedule.kind === 'cron')
      schedule.checkDuration(typeof duration === 'number' ? duration : 0, new Date());
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    const node =
      entry.get(err.code.startsWith('DURATION') ? durationKey : startKey, true) ?? entry.get(startKey, true);
    at(node as Node, `${where}: ${startKey}: ${err.message}`);
  }
}

function unknownKeys(map: import('yaml').YAMLMap, allowed: string[], what: string, at: At) {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (allowed.includes(key)) continue;
    const near = allowed.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
    at(
      pair.key as Node,
      `${what}: unknown key "${key}"${near ? ` (did you mean "${near}"?)` : `; allowed: ${allowed.join(', ')}`}`,
    );
  }
}

function requiredString(map: import('yaml').YAMLMap, key: string, what: string, at: At): string {
  const node = map.get(key, true);
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (node === undefined) at(map, `${what}: ${key} is missing`);
  else at(node as Node, `${what}: ${key} must be non-empty text`);
  return '';
}

function optionalString(map: import('yaml').YAMLMap, key: string, at: At): string | undefined {
  const node = map.get(key, true);
  if (node === undefined) return undefined;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'string') return value;
  at(node as Node, `${key} must be text`);
  return undefined;
}

function lineOf(node: Node): number {
  return node.range?.[0] ?? 0;
}

function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[y.length]!;
}
