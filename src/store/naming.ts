// Where recordings live and what they are called. The AWS component's layout is kept so operators'
// habits and scripts carry over: <root>/<camera asset id>/video_<startEpochMs>.mkv, renamed to
// video_<startEpochMs>_uploaded.mkv by the AWS component once uploaded.
import path from 'node:path';

/** Owner-only: recordings show people and places, so no other local user may read them. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** The upload ledger's file inside each camera folder (hidden, so `video_*` globs skip it). */
export const LEDGER_FILE = '.uploaded-ranges.json';

/** The upload intent's file: what must reach KVS (recorded while live was wanted, or requested). */
export const INTENT_FILE = '.upload-intent.json';

const NAME = /^video_(\d{1,16})(_uploaded)?\.mkv$/;

/** What a recording's file name says about it. */
export interface ParsedName {
  startMs: number;
  /** The AWS component renamed it after uploading it. */
  uploaded: boolean;
}

/** Parses `video_<ms>.mkv` / `video_<ms>_uploaded.mkv`; undefined for any other name. */
export function parseSegmentName(name: string): ParsedName | undefined {
  const m = NAME.exec(name);
  if (!m?.[1]) return undefined;
  return { startMs: Number(m[1]), uploaded: m[2] !== undefined };
}

export function segmentName(startMs: number): string {
  return `video_${Math.trunc(startMs)}.mkv`;
}

export function cameraDir(root: string, cameraId: string): string {
  return path.join(root, cameraId);
}

// A camera id becomes a folder name: refuse anything that could escape the root or hide.
const CAMERA_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isValidCameraId(cameraId: string): boolean {
  return CAMERA_ID.test(cameraId) && !cameraId.includes('..');
}
