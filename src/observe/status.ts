// What `kvs-edge status` and /metrics show: the component's live state, put together from the
// owners' read-only queries (the connector's camera snapshots, the store's ranges and sizes) at the
// moment it is asked for. Nothing here is kept between requests except the event-loop monitor.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { CameraSnapshot } from '../connector/index.js';
import type { Store } from '../store/index.js';
import type { AckLatency, AckKind, LatencyHistogram } from './ack-latency.js';

// A camera that records for weeks with gaps has many ranges; the last few tell an operator enough,
// and keep every answer small.
export const MAX_RANGES = 20;

export interface RangeView {
  start: string;
  end: string;
  seconds: number;
}

export interface CameraStatusView extends CameraSnapshot {
  lastFragmentAt?: string;
  recorded: RangeView[];
  uploaded: RangeView[];
  /** Recorded and owed to KVS, not yet persisted there. */
  backlog: RangeView[];
  backlogSeconds: number;
  diskBytes: number;
  writtenBytes: number;
  writtenFragments: number;
  droppedFragments: number;
  /** Live fragment end -> KVS ACK, cumulative since start; absent before the first live ACK. */
  ackLatency?: Record<AckKind, LatencyHistogram>;
}

export interface ComponentStatus {
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  hub?: string;
  memory: { rssBytes: number; heapUsedBytes: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  store: { totalBytes: number; freeBytes?: number; denied: boolean; reason?: string };
  cameras: CameraStatusView[];
  skipped: { assetId: string; message: string }[];
}

export interface StatusSources {
  version: string;
  connector: {
    snapshot(): { hub?: string; cameras: CameraSnapshot[]; skipped: { assetId: string; message: string }[] };
  };
  store: Store;
  ackLatency?: AckLatency;
  now?: () => number;
}

interface Range {
  startMs: number;
  endMs: number;
}

const view = (ranges: Range[]): RangeView[] =>
  ranges.slice(-MAX_RANGES).map((r) => ({
    start: new Date(r.startMs).toISOString(),
    end: new Date(r.endMs).toISOString(),
    seconds: Math.round((r.endMs - r.startMs) / 1000),
  }));

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** Builds ComponentStatus on demand; owns the event-loop delay histogram (start/stop). */
export class StatusBuilder {
  readonly #sources: StatusSources;
  readonly #startedAt: number;
  readonly #delay: IntervalHistogram;

  constructor(sources: StatusSources) {
    this.#sources = sources;
    this.#startedAt = (sources.now ?? Date.now)();
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
  }

  build(): ComponentStatus {
    const now = (this.#sources.now ?? Date.now)();
    const { store } = this.#sources;
    const snapshot = this.#sources.connector.snapshot();
    const health = store.health();
    const memory = process.memoryUsage();
    const cameras = snapshot.cameras.map((camera): CameraStatusView => {
      const recorded = store.recorded(camera.assetId);
      const backlog = store.owed(camera.assetId);
      const writer = health.writers[camera.assetId];
      const last = recorded.at(-1);
      const ackLatency = this.#sources.ackLatency?.of(camera.assetId);
      return {
        ...camera,
        ...(last && { lastFragmentAt: new Date(last.endMs).toISOString() }),
        recorded: view(recorded),
        uploaded: view(store.ledger.persisted(camera.assetId)),
        backlog: view(backlog),
        backlogSeconds: Math.round(backlog.reduce((sum, r) => sum + r.endMs - r.startMs, 0) / 1000),
        diskBytes: store.segments(camera.assetId).reduce((sum, s) => sum + s.bytes, 0),
        writtenBytes: writer?.writtenBytes ?? 0,
        writtenFragments: writer?.writtenFragments ?? 0,
        droppedFragments: writer?.droppedFragments ?? 0,
        ...(ackLatency && { ackLatency }),
      };
    });
    return {
      version: this.#sources.version,
      pid: process.pid,
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeSeconds: Math.round((now - this.#startedAt) / 1000),
      ...(snapshot.hub && { hub: snapshot.hub }),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
      eventLoopDelayMs: {
        p50: ms(this.#delay.percentile(50)),
        p99: ms(this.#delay.percentile(99)),
        max: ms(this.#delay.max),
      },
      store: {
        totalBytes: health.totalBytes,
        denied: health.denied,
        ...(health.freeBytes !== undefined && { freeBytes: health.freeBytes }),
        ...(health.reason !== undefined && { reason: health.reason }),
      },
      cameras,
      skipped: snapshot.skipped,
    };
  }

  stop(): void {
    this.#delay.disable();
  }
}
