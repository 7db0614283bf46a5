// The recording store: the edge video cache. The live path writes each camera's fragments through a
// SegmentWriter into <root>/<camera asset id>/video_<startEpochMs>.mkv (the AWS component's layout,
// one header plus absolute-timecode fragments per file, 0600 files in 0700 folders); the uploader and
// VOD publishing read them back as Fragments with read(). The index lives in memory and is rebuilt
// at open() from names plus a payload-skipping scan, recovering files cut by a crash. The upload
// ledger remembers what KVS persisted; retention deletes by age, size, free space and upload, and
// reports each deletion on `events`. The AWS component's own recordings (zero-based splitmuxsink
// files, `_uploaded` renames) are read as ordinary recordings. See docs/store.md.
import { EventEmitter } from 'node:events';
import type { Logger } from '../log/index.js';
import type { Fragment } from '../mkv/index.js';
import { adoptFolder } from './adopt.js';
import { Catalog, describe, type SegmentInfo } from './catalog.js';
import { systemClock, type StoreClock } from './clock.js';
import { InvalidCameraIdError, StoreClosedError } from './errors.js';
import { nodeFiles, type StoreFiles } from './files.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UploadLedger } from './ledger.js';
import { cameraDir, DIR_MODE, INTENT_FILE, isValidCameraId } from './naming.js';
import { intersect, normalize, subtract, type TimeRange } from '../time/index.js';
import { readRange } from './reader.js';
import { StateReserve } from './reserve.js';
import { Retention, type DeletionEvent, type FullSizeStrategy, type RetentionHealth } from './retention.js';
import { listCameras, scanCamera } from './scan.js';
import { SegmentWriter, type WriterStats } from './writer.js';

export type { SegmentInfo } from './catalog.js';
export type { AppendResult, WriterStats } from './writer.js';
export { SegmentWriter } from './writer.js';
export { UploadLedger } from './ledger.js';
export type {
  DeletionEvent,
  DeletionReason,
  FullSizeStrategy,
  CameraRetention,
  RetentionLimits,
  RetentionHealth,
} from './retention.js';
export { Retention } from './retention.js';
export { StateReserve, RESERVE_BYTES } from './reserve.js';
export type { StoreClock } from './clock.js';
export { systemClock } from './clock.js';
export type { StoreFiles, WritableFile } from './files.js';
export { nodeFiles } from './files.js';
export { InvalidCameraIdError, StoreClosedError, WriterBusyError } from './errors.js';
export { parseSegmentName, segmentName } from './naming.js';
export { referenceRecordingFolders, REFERENCE_COMPONENT } from './adopt.js';

/** How a store is opened; every field has a default. */
export interface StoreOptions {
  log: Logger;
  /** SegmentDurationSeconds: a file is rotated at the first fragment boundary after this. */
  segmentDurationSeconds?: number;
  /** MaxLocalMediaSizeInMB over all cameras; 0 = no limit. */
  maxLocalMediaSizeInMB?: number;
  strategyOnFullSize?: FullSizeStrategy;
  /** Free-space floor on the recordings file system (MB); treated like reaching the size limit. */
  minFreeSpaceInMB?: number;
  /** How often retention runs by itself (ms); it also runs after writes cross the size limit. */
  retentionIntervalMs?: number;
  /** Longest time between fdatasync()s of a file being written: the most a power loss can cost. */
  fsyncIntervalMs?: number;
  /** Per-camera write queue limit in bytes (see docs/store.md: what happens when the disk is slow). */
  maxQueueBytes?: number;
  /** Neighbouring files with at most this gap count as one recorded range. */
  recordedGapToleranceMs?: number;
  clock?: StoreClock;
  files?: StoreFiles;
  /** Another component's recordings folders to index in place (see adopt.ts). */
  adoptFrom?: string[];
}

/** Store health, for the camera health report. */
export interface StoreHealth extends RetentionHealth {
  writers: Record<string, WriterStats>;
  /** The upload ledger or intent cannot be saved (kept in memory, retried); absent when fine. */
  stateError?: string;
}

// Intent is saved as fragments complete; a kill can lose the save in flight. Marking a little ahead
// of the fragment covers the next one too, so a fragment recorded just before a kill is still owed.
const INTENT_LEAD_MS = 5_000;

// Defaults. The queue holds ~30 s of a 4 Mbit/s camera: enough to ride out a slow fsync or a busy SD
// card without dropping, small enough that 16 cameras stay under 256 MiB in the worst case.
const DEFAULT_QUEUE_BYTES = 16 * 1024 * 1024;
// Fragments are >= 1 s, so 64 queued means the disk is a minute behind.
const DEFAULT_QUEUE_FRAGMENTS = 64;
const DEFAULT_FSYNC_MS = 5_000;
const DEFAULT_RETENTION_MS = 60_000;
// Reconnecting a camera takes a second or two; a gap longer than that is a real hole in the record.
const DEFAULT_GAP_TOLERANCE_MS = 2_000;
const MB = 1024 * 1024;
/** The component's own state folder under the recordings root (status journal, state reserve). */
export const STATE_DIR = '.kvs-edge';

/** The opened recording store (see the top of this file). */
export class Store {
  /** Emits 'deleted' (DeletionEvent) for every file retention removes. */
  readonly events = new EventEmitter();
  readonly ledger: UploadLedger;
  /** What must reach KVS: recorded while live was wanted, or requested (see owed()). */
  readonly intent: UploadLedger;
  readonly retention: Retention;
  /** Space set aside so state files stay writable on a full disk (see reserve.ts). */
  readonly reserve: StateReserve;
  readonly root: string;
  readonly #catalog: Catalog;
  readonly #writers = new Map<string, SegmentWriter>();
  readonly #options: StoreOptions;
  readonly #clock: StoreClock;
  readonly #files: StoreFiles;
  readonly #timer: unknown;
  #generation = 0;
  #closed = false;

  /** @internal use openStore() */
  constructor(
    root: string,
    options: StoreOptions,
    catalog: Catalog,
    ledger: UploadLedger,
    intent: UploadLedger,
  ) {
    this.root = root;
    this.#options = options;
    this.#catalog = catalog;
    this.ledger = ledger;
    this.intent = intent;
    this.reserve = new StateReserve(path.join(root, STATE_DIR), options.files ?? nodeFiles, options.log);
    const onNoSpace = () => this.reserve.release();
    ledger.onNoSpace = onNoSpace;
    intent.onNoSpace = onNoSpace;
    this.#clock = options.clock ?? systemClock;
    this.#files = options.files ?? nodeFiles;
    this.retention = new Retention({
      catalog,
      ledger,
      files: this.#files,
      clock: this.#clock,
      log: options.log,
      root,
      limits: {
        maxTotalBytes: (options.maxLocalMediaSizeInMB ?? 0) * MB,
        strategy: options.strategyOnFullSize ?? 'DELETE_OLDEST_MEDIA',
        minFreeBytes: (options.minFreeSpaceInMB ?? 0) * MB,
      },
      emit: (e) => this.#emit(e),
    });
    this.#timer = this.#clock.setInterval(
      () =>
        void this.retention
          .run()
          .then(() => this.reserve.ensure())
          .catch((err: unknown) => options.log.error({ err }, 'retention pass failed')),
      options.retentionIntervalMs ?? DEFAULT_RETENTION_MS,
    );
  }

  /** The camera's writer, created on first use; one per camera until it is closed. */
  writer(cameraId: string): SegmentWriter {
    this.#check(cameraId);
    let w = this.#writers.get(cameraId);
    if (w) return w;
    this.#catalog.ensureCamera(cameraId);
    const o = this.#options;
    w = new SegmentWriter(cameraId, cameraDir(this.root, cameraId), {
      catalog: this.#catalog,
      files: this.#files,
      clock: this.#clock,
      log: o.log,
      segmentMs: (o.segmentDurationSeconds ?? 60) * 1000,
      fsyncIntervalMs: o.fsyncIntervalMs ?? DEFAULT_FSYNC_MS,
      maxQueueBytes: o.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
      maxQueueFragments: DEFAULT_QUEUE_FRAGMENTS,
      isDenied: () => this.retention.deniedFor(cameraId),
      onDiskFull: (id) => this.retention.onDiskFull(id),
      afterWrite: () => this.retention.afterWrite(cameraId),
      onClosed: (id) => this.#writers.delete(id),
    });
    this.#writers.set(cameraId, w);
    return w;
  }

  /** Fragments of the camera overlapping [startMs, endMs), oldest first (see reader.ts). */
  read(cameraId: string, startMs: number, endMs: number): AsyncIterable<Fragment> {
    this.#check(cameraId);
    return readRange(
      { catalog: this.#catalog, log: this.#options.log, nextGeneration: () => ++this.#generation },
      cameraId,
      startMs,
      endMs,
    );
  }

  /** What is recorded, as contiguous ranges (gaps up to recordedGapToleranceMs are bridged). */
  recorded(cameraId: string): TimeRange[] {
    return this.#catalog.recorded(cameraId, this.#options.recordedGapToleranceMs ?? DEFAULT_GAP_TOLERANCE_MS);
  }

  /** Recorded ranges not yet persisted in KVS: what a backfill would upload. */
  notUploaded(cameraId: string): TimeRange[] {
    const recorded = normalize(this.#catalog.segments(cameraId).map((s) => ({ ...s })));
    return subtract(recorded, this.ledger.persisted(cameraId));
  }

  /**
   * Marks [startMs, endMs) as owed to KVS: a live fragment (marked a little ahead, see INTENT_LEAD_MS)
   * or a requested range. Durable like the ledger.
   */
  intend(cameraId: string, range: TimeRange, kind: 'live' | 'request'): void {
    this.#check(cameraId);
    if (kind === 'live') {
      this.intent.add(cameraId, range.startMs, range.endMs + INTENT_LEAD_MS);
      return;
    }
    // A request ending ahead is listed apart, so a start before its end can re-open it; live stays
    // out of that list (its lead would turn every restart during live into a request).
    const now = this.#clock.now();
    if (range.endMs > now) this.intent.addOpenRequest(cameraId, range, now);
    else this.intent.add(cameraId, range.startMs, range.endMs);
  }

  /** Requested ranges whose end is still ahead: what a start re-opens (see intend). */
  openRequests(cameraId: string): TimeRange[] {
    const now = this.#clock.now();
    return this.intent.openRequests(cameraId).filter((r) => r.endMs > now);
  }

  /** What is recorded, intended for KVS and not persisted there: what every start uploads, oldest first. */
  owed(cameraId: string): TimeRange[] {
    const recorded = normalize(this.#catalog.segments(cameraId).map((s) => ({ ...s })));
    return subtract(intersect(recorded, this.intent.persisted(cameraId)), this.ledger.persisted(cameraId));
  }

  /** The camera's files, oldest first. */
  segments(cameraId: string): SegmentInfo[] {
    return this.#catalog.segments(cameraId).map(describe);
  }

  /** Cameras with a folder or a writer. */
  cameras(): string[] {
    return this.#catalog.cameras();
  }

  health(): StoreHealth {
    const writers: Record<string, WriterStats> = {};
    for (const [id, w] of this.#writers) writers[id] = w.stats;
    const stateError = this.ledger.saveError ?? this.intent.saveError;
    return { ...this.retention.health(), writers, ...(stateError !== undefined && { stateError }) };
  }

  /** Stops retention, drains and closes every writer, saves the ledger. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearInterval(this.#timer);
    await Promise.all([...this.#writers.values()].map((w) => w.close()));
    await this.retention.idle();
    this.ledger.stopRetrying();
    this.intent.stopRetrying();
    await this.ledger.flush();
    await this.intent.flush();
    const unsaved = this.ledger.saveError ?? this.intent.saveError;
    if (unsaved !== undefined)
      this.#options.log.error({ reason: unsaved }, 'store closed with upload state not saved');
  }

  #check(cameraId: string): void {
    if (this.#closed) throw new StoreClosedError();
    if (!isValidCameraId(cameraId)) throw new InvalidCameraIdError(cameraId);
  }

  #emit(e: DeletionEvent): void {
    try {
      this.events.emit('deleted', e);
    } catch (err) {
      // A listener's bug must not stop retention halfway.
      this.#options.log.error({ err }, 'a deletion listener threw');
    }
  }
}

/**
 * Opens the store at `root` (created 0700 if missing): scans every camera folder, recovers files cut
 * by a crash, loads the upload ledgers (files named _uploaded count as uploaded), and starts retention.
 */
export async function openStore(root: string, options: StoreOptions): Promise<Store> {
  const files = options.files ?? nodeFiles;
  // The root may be a folder the operator shares with other things: created 0700, never narrowed.
  await fsp.mkdir(root, { recursive: true, mode: DIR_MODE });
  const catalog = new Catalog();
  const ledger = new UploadLedger(files, options.log, (id) => cameraDir(root, id));
  const intent = new UploadLedger(files, options.log, (id) => cameraDir(root, id), undefined, INTENT_FILE);
  let recovered = 0;
  for (const cameraId of await listCameras(root)) {
    const scan = await scanCamera(root, cameraId, files, options.log);
    catalog.ensureCamera(cameraId);
    for (const seg of scan.segments) catalog.add(seg);
    recovered += scan.recovered;
    await ledger.load(cameraId);
    await intent.load(cameraId);
    ledger.addKnown(
      cameraId,
      scan.segments.filter((s) => s.uploadedByName).map((s) => ({ startMs: s.startMs, endMs: s.endMs })),
    );
  }
  for (const folder of options.adoptFrom ?? []) {
    await adoptFolder(folder, { catalog, ledger, files }, options.log);
  }
  options.log.info(
    { root, cameras: catalog.cameras().length, bytes: catalog.totalBytes, recovered },
    'recording store opened',
  );
  const store = new Store(root, options, catalog, ledger, intent);
  await store.reserve.ensure();
  return store;
}
