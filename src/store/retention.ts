// Retention: what gets deleted, when, and why. Rules, in the order a pass applies them:
// 1. DeleteAfterUpload: a closed file whose whole range is in the ledger (or named _uploaded).
// 2. Age: a closed file whose last frame is older than the camera's LocalDataRetentionPeriodInMinutes.
// 3. Camera size: one camera above its own cap (the camera asset's MaxLocalMediaSizeInMB), with the
//    store's strategy: DELETE_OLDEST_MEDIA deletes that camera's closed files oldest first;
//    DENY_NEW_MEDIA keeps them and stops recording that camera only (health lists it).
// 4. Size: all cameras together above MaxLocalMediaSizeInMB, or free space under the floor:
//    DELETE_OLDEST_MEDIA deletes closed files oldest first across cameras; DENY_NEW_MEDIA keeps
//    everything and stops recording until space is back (health says so).
// The file being written is never deleted. Every deletion is reported as an event.
import type { Logger } from '../log/index.js';
import type { Catalog, Segment } from './catalog.js';
import type { StoreClock } from './clock.js';
import { errorCode, type StoreFiles } from './files.js';
import type { UploadLedger } from './ledger.js';

/** What to do when the size limit or the disk is reached. */
export type FullSizeStrategy = 'DELETE_OLDEST_MEDIA' | 'DENY_NEW_MEDIA';

/** Why a recording was deleted. */
export type DeletionReason = 'age' | 'size' | 'disk-full' | 'uploaded';

/** A recording deleted by retention (feeds CachedVideoAgeOutOnEdge). */
export interface DeletionEvent {
  cameraId: string;
  startMs: number;
  endMs: number;
  path: string;
  reason: DeletionReason;
}

/** Store-wide limits. */
export interface RetentionLimits {
  /** MaxLocalMediaSizeInMB in bytes over all cameras; 0 = no limit. */
  maxTotalBytes: number;
  strategy: FullSizeStrategy;
  /** Keep at least this many bytes free on the recordings file system; 0 = no floor. */
  minFreeBytes: number;
}

/** Per-camera rules. */
export interface CameraRetention {
  /** LocalDataRetentionPeriodInMinutes; 0 or undefined = keep by age forever. */
  retentionMinutes?: number;
  deleteAfterUpload?: boolean;
  /** This camera's own size cap in bytes, under the same strategy; 0 or undefined = only the store's. */
  maxBytes?: number;
}

/** Whether recording is allowed, and why not. */
export interface RetentionHealth {
  denied: boolean;
  reason?: string;
  totalBytes: number;
  freeBytes?: number;
  /** Cameras stopped by their own cap (DENY_NEW_MEDIA), with the reason; absent when none. */
  deniedCameras?: Record<string, string>;
}

export class Retention {
  readonly #catalog: Catalog;
  readonly #ledger: UploadLedger;
  readonly #files: StoreFiles;
  readonly #clock: StoreClock;
  readonly #log: Logger;
  readonly #root: string;
  readonly #emit: (e: DeletionEvent) => void;
  readonly #cameras = new Map<string, CameraRetention>();
  #limits: RetentionLimits;
  #denied: string | undefined;
  readonly #deniedCameras = new Map<string, string>();
  #freeBytes: number | undefined;
  #running: Promise<DeletionEvent[]> | undefined;
  readonly #deleting = new Set<Segment>();
  #again = false;

  constructor(deps: {
    catalog: Catalog;
    ledger: UploadLedger;
    files: StoreFiles;
    clock: StoreClock;
    log: Logger;
    root: string;
    limits: RetentionLimits;
    emit: (e: DeletionEvent) => void;
  }) {
    this.#catalog = deps.catalog;
    this.#ledger = deps.ledger;
    this.#files = deps.files;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#root = deps.root;
    this.#limits = deps.limits;
    this.#emit = deps.emit;
  }

  setLimits(limits: Partial<RetentionLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
  }

  setCamera(cameraId: string, rules: CameraRetention): void {
    this.#cameras.set(cameraId, { ...rules });
    // A raised or removed cap lets the camera record at once; a lowered one is enforced at once.
    if (!this.#overCap(cameraId)) this.#allowCamera(cameraId);
    else if (!this.#running)
      void this.run().catch((err) => this.#log.error({ err }, 'retention pass failed'));
  }

  /** DENY_NEW_MEDIA is in force for the whole store: writers drop fragments. */
  get denied(): boolean {
    return this.#denied !== undefined;
  }

  /** Whether this camera's writer must drop fragments: the store is denied, or the camera's own cap. */
  deniedFor(cameraId: string): boolean {
    return this.denied || this.#deniedCameras.has(cameraId);
  }

  health(): RetentionHealth {
    return {
      denied: this.denied,
      ...(this.#denied ? { reason: this.#denied } : {}),
      totalBytes: this.#catalog.totalBytes,
      ...(this.#freeBytes !== undefined ? { freeBytes: this.#freeBytes } : {}),
      ...(this.#deniedCameras.size > 0 ? { deniedCameras: Object.fromEntries(this.#deniedCameras) } : {}),
    };
  }

  /** One pass over every rule. Concurrent calls share a pass (and ask for one more after it). */
  run(): Promise<DeletionEvent[]> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.run();
      }
    });
    return this.#running;
  }

  /** Waits for the pass in progress, if any. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running.catch(() => undefined);
  }

  /** Cheap check after each write: starts a pass only when the store's or the camera's cap is crossed. */
  afterWrite(cameraId?: string): void {
    if (this.#running) return;
    const max = this.#limits.maxTotalBytes;
    const overTotal = max > 0 && this.#catalog.totalBytes > max;
    if (overTotal || (cameraId !== undefined && this.#overCap(cameraId))) void this.run();
  }

  /**
   * A write hit ENOSPC. DELETE_OLDEST_MEDIA deletes the oldest closed file that no other call is
   * deleting and answers true (retry); DENY_NEW_MEDIA stops recording and answers false.
   */
  async onDiskFull(cameraId: string): Promise<boolean> {
    if (this.#limits.strategy === 'DENY_NEW_MEDIA') {
      this.#deny(`disk full while recording camera ${cameraId}; keeping existing media`);
      return false;
    }
    await this.idle();
    // Skip a file another camera's call is already deleting: answering false for it would lose this
    // camera's fragment although the disk has more to give.
    const oldest = this.#catalog.closedOldestFirst().find((s) => !this.#deleting.has(s));
    if (!oldest) return false;
    return (await this.#delete(oldest, 'disk-full')) !== undefined;
  }

  async #pass(): Promise<DeletionEvent[]> {
    const events: DeletionEvent[] = [];
    const now = this.#clock.now();
    for (const cameraId of this.#catalog.cameras()) {
      const rules = this.#cameras.get(cameraId) ?? {};
      const maxAgeMs = (rules.retentionMinutes ?? 0) * 60_000;
      for (const seg of [...this.#catalog.segments(cameraId)]) {
        if (seg.writing) continue;
        let reason: DeletionReason | undefined;
        if (rules.deleteAfterUpload && this.#uploaded(seg)) reason = 'uploaded';
        else if (maxAgeMs > 0 && seg.endMs < now - maxAgeMs) reason = 'age';
        if (reason) await this.#collect(events, seg, reason);
      }
    }
    await this.#enforceCameraCaps(events);
    await this.#enforceSize(events);
    return events;
  }

  #overCap(cameraId: string): boolean {
    const cap = this.#cameras.get(cameraId)?.maxBytes ?? 0;
    return cap > 0 && this.#catalog.cameraBytes(cameraId) > cap;
  }

  async #enforceCameraCaps(events: DeletionEvent[]): Promise<void> {
    // Denied cameras that lost their folder are still visited, so their denial is lifted.
    for (const cameraId of new Set([...this.#catalog.cameras(), ...this.#deniedCameras.keys()])) {
      if (this.#limits.strategy === 'DENY_NEW_MEDIA') {
        if (!this.#overCap(cameraId)) this.#allowCamera(cameraId);
        else if (!this.#deniedCameras.has(cameraId)) {
          const cap = this.#cameras.get(cameraId)?.maxBytes ?? 0;
          const reason = `camera ${cameraId} reached its MaxLocalMediaSizeInMB (${cap} bytes); keeping its media`;
          this.#log.warn({ cameraId, reason }, 'recording of one camera stopped: DENY_NEW_MEDIA');
          this.#deniedCameras.set(cameraId, reason);
        }
        continue;
      }
      this.#allowCamera(cameraId);
      for (const seg of this.#catalog.segments(cameraId).filter((s) => !s.writing)) {
        if (!this.#overCap(cameraId)) break;
        await this.#collect(events, seg, 'size');
      }
    }
  }

  #allowCamera(cameraId: string): void {
    if (!this.#deniedCameras.delete(cameraId)) return;
    this.#log.info({ cameraId }, 'recording of the camera allowed again: under its own size cap');
  }

  #uploaded(seg: Segment): boolean {
    // A file with no complete fragment covers no time, and "all of nothing is uploaded" is no reason.
    if (seg.endMs <= seg.startMs) return false;
    return seg.uploadedByName || this.#ledger.isPersisted(seg.cameraId, seg.startMs, seg.endMs);
  }

  async #enforceSize(events: DeletionEvent[]): Promise<void> {
    const { maxTotalBytes: max, minFreeBytes: floor, strategy } = this.#limits;
    this.#freeBytes = floor > 0 ? await this.#files.freeBytes(this.#root) : undefined;
    const overSize = () => max > 0 && this.#catalog.totalBytes > max;
    const underFloor = () => this.#freeBytes !== undefined && this.#freeBytes < floor;
    if (strategy === 'DENY_NEW_MEDIA') {
      if (overSize()) this.#deny(`recordings reached MaxLocalMediaSizeInMB (${max} bytes); keeping them`);
      else if (underFloor()) this.#deny(`free space under ${floor} bytes; keeping existing media`);
      else this.#allow();
      return;
    }
    this.#allow();
    for (const seg of this.#catalog.closedOldestFirst()) {
      if (!overSize() && !underFloor()) break;
      const freed = await this.#collect(events, seg, overSize() ? 'size' : 'disk-full');
      if (freed !== undefined && this.#freeBytes !== undefined) this.#freeBytes += freed;
    }
  }

  async #collect(events: DeletionEvent[], seg: Segment, reason: DeletionReason): Promise<number | undefined> {
    const bytes = seg.bytes;
    const e = await this.#delete(seg, reason);
    if (e) events.push(e);
    return e ? bytes : undefined;
  }

  async #delete(seg: Segment, reason: DeletionReason): Promise<DeletionEvent | undefined> {
    // A pass and a disk-full call can pick the same file; only the first deletes, reports and counts it.
    if (seg.writing || this.#deleting.has(seg) || !this.#catalog.segments(seg.cameraId).includes(seg))
      return undefined;
    this.#deleting.add(seg);
    try {
      await this.#files.unlink(seg.path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') {
        this.#log.warn({ err, path: seg.path }, 'could not delete a recording; will try again next pass');
        return undefined;
      }
    } finally {
      this.#deleting.delete(seg);
    }
    if (!this.#catalog.remove(seg)) return undefined;
    const event: DeletionEvent = {
      cameraId: seg.cameraId,
      startMs: seg.startMs,
      endMs: seg.endMs,
      path: seg.path,
      reason,
    };
    this.#log.info(event, 'recording deleted');
    this.#emit(event);
    return event;
  }

  #deny(reason: string): void {
    if (this.#denied === undefined) this.#log.warn({ reason }, 'recording stopped: DENY_NEW_MEDIA');
    this.#denied = reason;
  }

  #allow(): void {
    if (this.#denied !== undefined) this.#log.info('recording allowed again: space is available');
    this.#denied = undefined;
  }
}
