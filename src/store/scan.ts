// Rebuilding the index at start: list each camera folder, take start times from the names, and ask
// the Matroska scanner (which skips block payloads) where each file's last complete fragment ends.
// A file cut mid-fragment (power loss, SIGKILL) is truncated to that point, so it is again a valid
// file any player opens; a file with no complete fragment is left untouched and indexed as empty
// (age retention still removes it). Nothing here deletes a file or throws on a bad one.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import { scanFile } from '../mkv/index.js';
import type { Segment } from './catalog.js';
import type { StoreFiles } from './files.js';
import { isValidCameraId, parseSegmentName } from './naming.js';

// Files scanned at once: enough to hide file-open latency, few enough to stay polite to an SD card.
const SCAN_CONCURRENCY = 8;

/** What the scan found in one camera folder. */
export interface CameraScan {
  cameraId: string;
  segments: Segment[];
  recovered: number;
}

/** The camera folders under `root` (folders whose names are valid camera ids). */
export async function listCameras(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await fsp.readdir(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((e) => e.isDirectory() && isValidCameraId(e.name)).map((e) => e.name);
}

export async function scanCamera(
  root: string,
  cameraId: string,
  files: StoreFiles,
  log: Logger,
): Promise<CameraScan> {
  const dir = path.join(root, cameraId);
  const names = (await fsp.readdir(dir)).filter((n) => parseSegmentName(n) !== undefined);
  const segments: Segment[] = [];
  let recovered = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) {
      const name = names[i] as string;
      const result = await scanOne(path.join(dir, name), cameraId, name, files, log);
      if (result) {
        segments.push(result.segment);
        if (result.recovered) recovered++;
      }
    }
  };
  await Promise.all(Array.from({ length: SCAN_CONCURRENCY }, worker));
  segments.sort((a, b) => a.startMs - b.startMs);
  return { cameraId, segments, recovered };
}

async function scanOne(
  file: string,
  cameraId: string,
  name: string,
  files: StoreFiles,
  log: Logger,
): Promise<{ segment: Segment; recovered: boolean } | undefined> {
  const parsed = parseSegmentName(name);
  if (!parsed) return undefined;
  let size: number;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined; // gone between readdir and stat
  }
  const segment: Segment = {
    cameraId,
    path: file,
    startMs: parsed.startMs,
    endMs: parsed.startMs,
    bytes: size,
    uploadedByName: parsed.uploaded,
    writing: false,
    timeBaseMs: 0,
  };
  let scan;
  try {
    scan = await scanFile(file);
  } catch (err) {
    log.warn({ err, file }, 'recording unreadable; kept on disk but not indexed for reading');
    return { segment, recovered: false };
  }
  const first = scan.fragments[0];
  const last = scan.fragments[scan.fragments.length - 1];
  if (!first || !last) return { segment, recovered: false };
  // Our files carry absolute epoch timecodes; others (the AWS component's splitmuxsink files) start
  // near zero and the name says when the first frame was taken.
  if (!scan.ownFormat) segment.timeBaseMs = parsed.startMs - first.startMs;
  segment.endMs = Math.max(parsed.startMs, last.endMs + segment.timeBaseMs);
  let recovered = false;
  if (scan.validLength < size) {
    try {
      await files.truncate(file, scan.validLength);
      segment.bytes = scan.validLength;
      recovered = true;
      log.warn(
        { file, size, validLength: scan.validLength },
        'recording was cut mid-fragment (power loss or kill); truncated to its last complete fragment',
      );
    } catch (err) {
      // Read-only media: index the valid part, leave the bytes.
      log.warn({ err, file }, 'could not truncate a cut recording; indexing its complete part only');
    }
  }
  return { segment, recovered };
}
