// PutMedia acknowledgement latency per camera: how long after a live fragment ended KVS said RECEIVED
// and PERSISTED. Measured from the fragment's end (its last frame's wall-clock time), so the figure
// is what a viewer of the stream waits for beyond the fragment itself: pipeline, send, KVS. Only live
// fragments count: a historical upload's fragments ended long ago and would drown the live figure.
//
// The uploader's events are only listened to (src/kvs stays as it is); the histograms are cumulative
// from the component's start, as Prometheus expects.

/** Upper bounds of the buckets in seconds; the last (+Inf) is implicit. */
export const ACK_LATENCY_BOUNDS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55] as const;

export type AckKind = 'received' | 'persisted';

/** A cumulative histogram: counts[i] = observations <= ACK_LATENCY_BOUNDS[i]; count includes +Inf. */
export interface LatencyHistogram {
  count: number;
  sumSeconds: number;
  counts: number[];
}

/** What is listened to: the StreamUploader's 'received' and 'persisted' events. */
export interface AckEvents {
  on(event: 'received' | 'persisted', listener: (e: { endMs: number; origin: string }) => void): unknown;
  off(event: 'received' | 'persisted', listener: (e: { endMs: number; origin: string }) => void): unknown;
}

// Cameras come and go with the hub; past this many the oldest histograms are dropped.
const MAX_CAMERAS = 1000;

export class AckLatency {
  readonly #cameras = new Map<string, Record<AckKind, LatencyHistogram>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Listens to one uploader of `cameraId`; returns the function that stops listening. */
  watch(cameraId: string, uploader: AckEvents): () => void {
    const on = (kind: AckKind) => (e: { endMs: number; origin: string }) => {
      if (e.origin !== 'live') return;
      this.#observe(cameraId, kind, Math.max(0, this.#now() - e.endMs) / 1000);
    };
    const received = on('received');
    const persisted = on('persisted');
    uploader.on('received', received);
    uploader.on('persisted', persisted);
    return () => {
      uploader.off('received', received);
      uploader.off('persisted', persisted);
    };
  }

  /** A copy of the camera's histograms, or undefined before its first live ACK. */
  of(cameraId: string): Record<AckKind, LatencyHistogram> | undefined {
    const h = this.#cameras.get(cameraId);
    if (!h) return undefined;
    const copy = (x: LatencyHistogram): LatencyHistogram => ({ ...x, counts: [...x.counts] });
    return { received: copy(h.received), persisted: copy(h.persisted) };
  }

  #observe(cameraId: string, kind: AckKind, seconds: number): void {
    let h = this.#cameras.get(cameraId);
    if (!h) {
      if (this.#cameras.size >= MAX_CAMERAS) this.#cameras.delete(this.#cameras.keys().next().value!);
      const empty = (): LatencyHistogram => ({
        count: 0,
        sumSeconds: 0,
        counts: ACK_LATENCY_BOUNDS.map(() => 0),
      });
      h = { received: empty(), persisted: empty() };
      this.#cameras.set(cameraId, h);
    }
    const x = h[kind];
    x.count++;
    x.sumSeconds += seconds;
    ACK_LATENCY_BOUNDS.forEach((bound, i) => {
      if (seconds <= bound) x.counts[i]!++;
    });
  }
}
