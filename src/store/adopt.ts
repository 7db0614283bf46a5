// Switching from aws.iot.EdgeConnectorForKVS: Greengrass gives every component its own work folder
// (<root>/work/<component name>), and the AWS component wrote its recordings there
// (<camera asset id>/video_<ms>.mkv, renamed video_<ms>_uploaded.mkv once uploaded). Ours runs in
// <root>/work/io.kvsedge.EdgeConnectorForKVS, so those files would silently be out of sight. They are
// adopted in place: indexed like our own files (readable for uploads and VOD, counted for size limits,
// deleted only by retention), never moved, renamed or rewritten.
import path from 'node:path';
import type { Logger } from '../log/index.js';
import type { Catalog } from './catalog.js';
import type { StoreFiles } from './files.js';
import type { UploadLedger } from './ledger.js';
import { listCameras, scanCamera } from './scan.js';

/** The AWS component's name, which is also its work folder's name. */
export const REFERENCE_COMPONENT = 'aws.iot.EdgeConnectorForKVS';

/**
 * Folders whose recordings to adopt: under Greengrass, the reference's work folder next to ours
 * (when it is not where we record anyway).
 */
export function referenceRecordingFolders(options: {
  greengrass: boolean;
  cwd: string;
  root: string;
}): string[] {
  if (!options.greengrass) return [];
  const folder = path.join(path.dirname(path.resolve(options.cwd)), REFERENCE_COMPONENT);
  return path.resolve(options.root) === folder ? [] : [folder];
}

/** What adoption found in one folder. */
export interface AdoptedFolder {
  folder: string;
  cameras: number;
  files: number;
  bytes: number;
  uploaded: number;
}

/**
 * Indexes the recordings under `folder` into the store's catalog, read in place. A folder that does
 * not exist is nothing to adopt; one we may not read is reported once, with the fix.
 */
export async function adoptFolder(
  folder: string,
  store: { catalog: Catalog; ledger: UploadLedger; files: StoreFiles },
  log: Logger,
): Promise<AdoptedFolder | undefined> {
  let cameras: string[];
  try {
    cameras = await listCameras(folder);
  } catch (err) {
    log.error(
      { err, folder },
      `cannot read the recordings of ${REFERENCE_COMPONENT}; give this component's user read access to the folder (docs/migration.md)`,
    );
    return undefined;
  }
  const found: AdoptedFolder = { folder, cameras: 0, files: 0, bytes: 0, uploaded: 0 };
  // A file cut by a crash is indexed up to its last complete fragment but not truncated: these files
  // are not ours to change.
  const readOnly: StoreFiles = {
    ...store.files,
    truncate: () => Promise.reject(new Error('adopted recordings are read in place, not repaired')),
  };
  for (const cameraId of cameras) {
    let scan;
    try {
      scan = await scanCamera(folder, cameraId, readOnly, log);
    } catch (err) {
      log.error(
        { err, folder, cameraId },
        'cannot read an adopted camera folder; its recordings stay out of sight',
      );
      continue;
    }
    store.catalog.ensureCamera(cameraId);
    const known = new Set(store.catalog.segments(cameraId).map((s) => s.startMs));
    const adopted = scan.segments.filter((s) => !known.has(s.startMs));
    for (const seg of adopted) store.catalog.add(seg);
    store.ledger.addKnown(
      cameraId,
      adopted.filter((s) => s.uploadedByName).map((s) => ({ startMs: s.startMs, endMs: s.endMs })),
    );
    if (adopted.length === 0) continue;
    found.cameras += 1;
    found.files += adopted.length;
    found.bytes += adopted.reduce((sum, s) => sum + s.bytes, 0);
    found.uploaded += adopted.filter((s) => s.uploadedByName).length;
  }
  if (found.files > 0) {
    log.info(found, `adopted the recordings of ${REFERENCE_COMPONENT} in place (nothing moved or renamed)`);
  } else {
    log.info({ folder }, `no recordings of ${REFERENCE_COMPONENT} to adopt`);
  }
  return found;
}
