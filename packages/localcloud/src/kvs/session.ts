// One PutMedia body checked the way KVS checks it: turns walker events into fragments (one Cluster =
// one fragment) or a single error with the real ErrorId/ErrorCode. Pure logic, no sockets: putmedia.ts
// feeds it bytes and turns its outputs into ACKs.
import { EbmlError, EbmlWalker, ID, readUint, type EbmlEvent } from './ebml.js';
import {
  ERROR_CODES,
  Violation,
  type DeclaredTrack,
  type KvsLimits,
  type SessionOutput,
} from './contract.js';

// EBML header + Info + Tracks, CodecPrivate included, never comes near this; a bigger header is junk.
const MAX_HEADER_BYTES = 4 * 1024 * 1024;
const MAX_FRAGMENT_TAGS = 10;

interface OpenFragment {
  offset: number;
  timecode: number | undefined;
  producerTimestampMs: number;
  minFrameMs: number;
  maxFrameMs: number;
  frames: number;
  keyframe: boolean | undefined;
  tracksSeen: Set<number>;
  tags: Record<string, string>;
}

export interface SessionOptions {
  timecodeType: 'ABSOLUTE' | 'RELATIVE';
  /** Epoch ms from x-amzn-producer-start-timestamp (RELATIVE mode adds cluster timecodes to it). */
  producerStartMs: number;
  limits: KvsLimits;
  now?: () => number;
}

export class PutMediaSession {
  readonly #walker = new EbmlWalker();
  readonly #opts: SessionOptions;
  readonly #now: () => number;
  // Bytes not yet handed out, starting at absolute offset #chunksStart.
  #chunks: Buffer[] = [];
  #chunksStart = 0;
  #segmentSeen = false;
  #ebmlSeen = false;
  #timecodeScaleNs = 1_000_000;
  #tracks: DeclaredTrack[] | undefined;
  #entry: Partial<DeclaredTrack> | undefined;
  #pendingTracks: DeclaredTrack[] = [];
  #header: Buffer | undefined;
  #fragment: OpenFragment | undefined;
  #pendingTags: Record<string, string> = {};
  #tagName: string | undefined;
  #tagValue: string | undefined;
  #lastTimecode: number | undefined;
  #lastFrameMs = -Infinity;
  #failed = false;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Timecode of the fragment being received (0 when none), for ERROR ACKs raised outside the body. */
  get currentTimecode(): number {
    return this.#fragment?.timecode ?? this.#lastTimecode ?? 0;
  }

  push(chunk: Buffer): SessionOutput[] {
    if (this.#failed) return [];
    this.#chunks.push(chunk);
    return this.#run((out) => {
      this.#handle(this.#walker.push(chunk), out);
      this.#checkBuffered();
    });
  }

  /** The request body ended cleanly: completes the open fragment. */
  end(): SessionOutput[] {
    if (this.#failed) return [];
    return this.#run((out) => this.#handle(this.#walker.end(), out));
  }

  /** Runs `work`, keeping what it produced before a rule broke (earlier fragments stay accepted). */
  #run(work: (out: SessionOutput[]) => void): SessionOutput[] {
    const out: SessionOutput[] = [];
    try {
      work(out);
    } catch (err) {
      if (!(err instanceof Violation) && !(err instanceof EbmlError)) throw err;
      this.#failed = true;
      const errorId = err instanceof Violation ? err.errorId : 4006;
      out.push({
        kind: 'error',
        errorId,
        errorCode: ERROR_CODES[errorId] ?? 'UNKNOWN',
        message: err.message,
        timecode: this.currentTimecode,
      });
      this.#chunks = [];
    }
    return out;
  }

  #handle(events: EbmlEvent[], out: SessionOutput[]): void {
    for (const ev of events) {
      switch (ev.kind) {
        case 'start':
          this.#onStart(ev.id, ev.offset);
          break;
        case 'value':
          this.#onValue(ev.id, ev.parent, ev.data, out);
          break;
        case 'block':
          this.#onBlock(ev.track, ev.timecode, ev.keyframe);
          break;
        case 'end':
          this.#onEnd(ev.id, ev.offset, out);
          break;
      }
    }
  }

  #checkBuffered(): void {
    const f = this.#fragment;
    if (f && this.#walker.offset - f.offset > this.#opts.limits.maxFragmentBytes) {
      throw new Violation(4001, `fragment exceeds ${this.#opts.limits.maxFragmentBytes} bytes`);
    }
    if (!this.#header && this.#walker.offset > MAX_HEADER_BYTES) {
      throw new Violation(4006, `no Cluster within the first ${MAX_HEADER_BYTES} bytes`);
    }
  }

  #onStart(id: number, offset: number): void {
    switch (id) {
      case ID.EBML:
        if (this.#ebmlSeen) throw new Violation(4006, 'more than one EBML header in one PutMedia session');
        this.#ebmlSeen = true;
        break;
      case ID.Segment:
        if (this.#segmentSeen) throw new Violation(4006, 'more than one MKV Segment in one PutMedia session');
        if (!this.#ebmlSeen) throw new Violation(4006, 'Segment without an EBML header');
        this.#segmentSeen = true;
        break;
      case ID.Tracks:
        if (this.#tracks) throw new Violation(4006, 'Tracks may only be sent once per session');
        this.#pendingTracks = [];
        break;
      case ID.TrackEntry:
        this.#entry = {};
        break;
      case ID.SimpleTag:
        this.#tagName = undefined;
        this.#tagValue = undefined;
        break;
      case ID.Cluster:
        this.#onClusterStart(offset);
        break;
    }
  }

  #onClusterStart(offset: number): void {
    if (!this.#tracks) throw new Violation(4006, 'Cluster before Tracks');
    if (!this.#header) this.#header = this.#take(offset);
    else this.#take(offset); // Tags between clusters are metadata, not fragment bytes
    this.#fragment = {
      offset,
      timecode: undefined,
      producerTimestampMs: 0,
      minFrameMs: Infinity,
      maxFrameMs: -Infinity,
      frames: 0,
      keyframe: undefined,
      tracksSeen: new Set(),
      tags: this.#pendingTags,
    };
    this.#pendingTags = {};
  }

  #onValue(id: number, parent: number | undefined, data: Buffer, out: SessionOutput[]): void {
    if (id === ID.TimecodeScale && parent === ID.Info) {
      this.#timecodeScaleNs = readUint(data);
      if (this.#timecodeScaleNs <= 0) throw new Violation(4006, 'TimecodeScale must be positive');
    } else if (parent === ID.TrackEntry && this.#entry) {
      if (id === ID.TrackNumber) this.#entry.number = readUint(data);
      if (id === ID.TrackType) this.#entry.type = readUint(data);
      if (id === ID.CodecID) this.#entry.codecId = data.toString('latin1').replace(/\0+$/, '');
    } else if (id === ID.Timecode && parent === ID.Cluster && this.#fragment) {
      this.#onTimecode(this.#fragment, readUint(data), out);
    } else if (parent === ID.SimpleTag) {
      if (id === ID.TagName) this.#tagName = data.toString('utf8');
      if (id === ID.TagString) this.#tagValue = data.toString('utf8');
    }
  }

  #toProducerMs(units: number): number {
    // Multiply by the ratio, not the product: epoch ms * 1e6 would exceed 2^53 and lose the exact value.
    const ms = units * (this.#timecodeScaleNs / 1e6);
    return this.#opts.timecodeType === 'RELATIVE' ? this.#opts.producerStartMs + ms : ms;
  }

  #onTimecode(f: OpenFragment, timecode: number, out: SessionOutput[]): void {
    if (f.timecode !== undefined) throw new Violation(4006, 'Cluster with two Timecode elements');
    f.timecode = timecode;
    if (this.#lastTimecode !== undefined && timecode <= this.#lastTimecode) {
      throw new Violation(
        4004,
        `fragment timecode ${timecode} is not after the previous ${this.#lastTimecode}`,
      );
    }
    f.producerTimestampMs = this.#toProducerMs(timecode);
    this.#checkFuture(f.producerTimestampMs);
    out.push({ kind: 'buffering', timecode });
  }

  #checkFuture(producerMs: number): void {
    const now = this.#now();
    if (producerMs > now + this.#opts.limits.futureToleranceMs) {
      throw new Violation(4007, `producer timestamp ${producerMs} is ${producerMs - now} ms in the future`);
    }
  }

  #onBlock(track: number, relative: number, keyframe: boolean): void {
    const f = this.#fragment;
    if (!f) throw new Violation(4006, 'block outside a Cluster');
    if (f.timecode === undefined) throw new Violation(4006, 'block before the Cluster Timecode');
    if (!this.#tracks!.some((t) => t.number === track)) {
      throw new Violation(4010, `block for track ${track}, which Tracks does not declare`);
    }
    const frameMs = this.#toProducerMs(f.timecode + relative);
    if (frameMs <= this.#lastFrameMs) {
      throw new Violation(
        4004,
        `frame at ${frameMs} ms is not after the last frame of the previous fragment (${this.#lastFrameMs} ms)`,
      );
    }
    f.minFrameMs = Math.min(f.minFrameMs, frameMs);
    f.maxFrameMs = Math.max(f.maxFrameMs, frameMs);
    if (f.maxFrameMs - f.minFrameMs > this.#opts.limits.maxFragmentDurationMs) {
      throw new Violation(4002, `fragment longer than ${this.#opts.limits.maxFragmentDurationMs} ms`);
    }
    this.#checkFuture(frameMs);
    f.frames++;
    f.keyframe ??= keyframe;
    f.tracksSeen.add(track);
  }

  #onEnd(id: number, offset: number, out: SessionOutput[]): void {
    switch (id) {
      case ID.TrackEntry: {
        const e = this.#entry;
        if (e?.number === undefined || e.number === 0)
          throw new Violation(4006, 'TrackEntry without TrackNumber');
        if (this.#pendingTracks.some((t) => t.number === e.number)) {
          throw new Violation(4006, `track number ${e.number} declared twice`);
        }
        this.#pendingTracks.push({ number: e.number, type: e.type, codecId: e.codecId });
        this.#entry = undefined;
        break;
      }
      case ID.Tracks:
        if (this.#pendingTracks.length === 0) throw new Violation(4006, 'Tracks declares no track');
        if (this.#pendingTracks.length > this.#opts.limits.maxTracks) {
          throw new Violation(
            4012,
            `${this.#pendingTracks.length} tracks; at most ${this.#opts.limits.maxTracks}`,
          );
        }
        this.#tracks = this.#pendingTracks;
        break;
      case ID.SimpleTag:
        this.#onSimpleTag();
        break;
      case ID.Cluster:
        this.#onClusterEnd(offset, out);
        break;
    }
  }

  #onSimpleTag(): void {
    const name = this.#tagName;
    if (name === undefined) throw new Violation(4006, 'SimpleTag without TagName');
    const value = this.#tagValue ?? '';
    if (name === 'AWS_KINESISVIDEO_END_OF_FRAGMENT') return; // the Tags element already closed the cluster
    if (name.startsWith('AWS')) throw new Violation(4009, `fragment metadata name ${name} is reserved`);
    if (Buffer.byteLength(name) > 128)
      throw new Violation(4009, 'fragment metadata name longer than 128 bytes');
    if (Buffer.byteLength(value) > 256)
      throw new Violation(4009, 'fragment metadata value longer than 256 bytes');
    this.#pendingTags[name] = value;
    if (Object.keys(this.#pendingTags).length > MAX_FRAGMENT_TAGS) {
      throw new Violation(4009, `more than ${MAX_FRAGMENT_TAGS} metadata tags for one fragment`);
    }
  }

  #onClusterEnd(offset: number, out: SessionOutput[]): void {
    const f = this.#fragment!;
    this.#fragment = undefined;
    if (f.timecode === undefined) throw new Violation(4006, 'Cluster without Timecode');
    const missing = this.#tracks!.filter((t) => !f.tracksSeen.has(t.number)).map((t) => t.number);
    if (missing.length > 0) {
      this.#fragment = f; // the error ACK names this fragment
      throw new Violation(4011, `fragment ${f.timecode} has no frames for track(s) ${missing.join(', ')}`);
    }
    this.#lastTimecode = f.timecode;
    this.#lastFrameMs = f.maxFrameMs;
    out.push({
      kind: 'fragment',
      fragment: {
        timecode: f.timecode,
        producerTimestampMs: f.producerTimestampMs,
        durationMs: f.maxFrameMs - f.minFrameMs,
        frameCount: f.frames,
        keyframe: f.keyframe ?? false,
        bytes: this.#take(offset),
        header: this.#header!,
        tracks: this.#tracks!,
        tags: f.tags,
      },
    });
  }

  /**
   * Hands out the buffered bytes from the current start up to `offset` (one copy, so a stored fragment
   * does not pin the request's read buffers) and drops them. Concatenating everything first and then
   * copying the fragment out cost two fresh megabyte buffers a fragment: a third of the stand-in's CPU
   * at 16 cameras (docs/performance.md).
   */
  #take(offset: number): Buffer {
    const cut = offset - this.#chunksStart;
    const taken = Buffer.allocUnsafe(cut);
    let filled = 0;
    let i = 0;
    for (; i < this.#chunks.length && filled < cut; i++) {
      const chunk = this.#chunks[i]!;
      const n = Math.min(chunk.length, cut - filled);
      chunk.copy(taken, filled, 0, n);
      filled += n;
      if (n < chunk.length) {
        this.#chunks[i] = chunk.subarray(n);
        break;
      }
    }
    this.#chunks = this.#chunks.slice(i);
    this.#chunksStart = offset;
    return taken;
  }
}
