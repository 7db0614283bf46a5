// Fragmenter: matroskamux (streamable=true) bytes in, KVS-ready Fragments out.
//
// Blocks are collected into the fragment being built; a video keyframe at least minFragmentMs after
// the fragment's start closes it. Audio is assigned by time, not by arrival: audio already collected
// at or after the cut moves into the next fragment, and audio that arrives late but belongs before the
// cut is still added to the closed fragment, which is held back (reorderWindowMs at most) until every
// track has passed the cut. So no block time ever goes backwards across fragments (KVS error 4004).
// Each fragment is written as one cluster; its header is the canonical header for exactly the tracks
// it holds, so a silent track leaves the header (a new generation) instead of causing KVS error 4011.
import type { StreamHeader } from './fragment.js';
import { buildCluster, readBlockGroup, readSimpleBlock, type BlockRef, type ParsedBlock } from './block.js';
import { parseInfo, parseTracks, type SourceInfo, type SourceTrack } from './header.js';
import { HeaderGenerations } from './generations.js';
import type { FragmenterOptions, FragmenterStats, FragmenterWarning } from './fragmenter-options.js';
import { ID } from './ids.js';
import { EbmlStreamReader, type EbmlEvent } from './reader.js';
import { readUint } from './writer.js';

export type { FragmenterOptions, FragmenterStats, FragmenterWarning } from './fragmenter-options.js';

interface Building {
  startMs: number;
  blocks: BlockRef[];
  /** Payload bytes so far (for maxFragmentBytes). */
  bytes: number;
}

// A source clock stepping back further than this was reset, not jittered: re-timing every frame
// until it caught up would squeeze minutes of video into milliseconds, so such frames keep their time.
const MAX_RETIMED_STEP_MS = 5_000;

const ENTER = new Set<number>([ID.Segment, ID.Cluster]);
const SKIP = new Set<number>([ID.Void, ID.Cues, ID.Tags, ID.SeekHead, ID.Chapters, ID.Attachments]);

/** See the file comment. push() and end() call the callbacks synchronously. */
export class Fragmenter {
  readonly #o: Required<Omit<FragmenterOptions, 'log' | 'onHeader' | 'onWarning'>> &
    Pick<FragmenterOptions, 'log' | 'onHeader' | 'onWarning'>;
  readonly #reader: EbmlStreamReader;
  readonly #generations: HeaderGenerations;
  #info: SourceInfo | undefined;
  #tracks: SourceTrack[] = [];
  #video: number | undefined;
  #clusterTicks = 0;
  #current: Building | undefined;
  #closing: { frag: Building; boundary: number; passed: Set<number> } | undefined;
  #waitKey = true;
  #lastTime = new Map<number, number>();
  /** Latest primary-track frame time of the fragments closed so far (each later frame must be after it). */
  #closedPrimaryMaxMs = -Infinity;
  /** Primary-track frame time of the last block taken (after any re-timing). */
  #lastPrimaryMs = -Infinity;
  #frameMs = new Map<number, number>();
  #warned = new Set<string>();
  #ended = false;
  readonly stats: FragmenterStats = { bytesIn: 0, fragments: 0, droppedBlocks: 0, retimedBlocks: 0 };

  constructor(options: FragmenterOptions) {
    this.#o = {
      minFragmentMs: 1000,
      maxFragmentMs: 10_000,
      hardLimitMs: 20_000,
      // Below KVS's 50 MB fragment limit with room for block and cluster headers.
      maxFragmentBytes: 45_000_000,
      reorderWindowMs: 1000,
      ...options,
    };
    this.#generations = new HeaderGenerations({
      nextGeneration: options.nextGeneration,
      ...(options.log ? { log: options.log } : {}),
      ...(options.onHeader ? { onHeader: options.onHeader } : {}),
      warn: (code, message) => this.#warn(code, message),
    });
    this.#reader = new EbmlStreamReader({
      masters: ENTER,
      skip: SKIP,
      onEvent: (e) => this.#onEvent(e),
    });
  }

  /** The current header generation (undefined until the first fragment). */
  get header(): StreamHeader | undefined {
    return this.#generations.current;
  }

  /** Feed bytes as they arrive, in any chunking. Throws MkvError on malformed input. */
  push(chunk: Buffer): void {
    if (this.#ended) throw new Error('Fragmenter.push() after end()');
    this.stats.bytesIn += chunk.length;
    this.#reader.push(chunk);
  }

  /**
   * End of stream: emits what is complete (a partial block at the tail is dropped). The last fragment
   * may be shorter than minFragmentMs; losing the tail of a recording would be worse.
   */
  /**
   * End of stream: emits the last complete fragment. `dropLastFrame` leaves out the final video frame,
   * for an EOS we forced ourselves: a camera stopped mid-frame hands h264parse only some slices of that
   * frame (x264 zerolatency sends several per frame), and decoders report the frame as corrupt.
   */
  end(options: { dropLastFrame?: boolean } = {}): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader.end();
    this.#finishRun(options.dropLastFrame === true);
  }

  #onEvent(e: EbmlEvent): void {
    if (e.kind === 'element') {
      switch (e.id) {
        case ID.SimpleBlock:
          this.#onBlock(readSimpleBlock(e.data, e.offset));
          return;
        case ID.BlockGroup: {
          const b = readBlockGroup(e.data, e.offset);
          const scale = (this.#info?.timecodeScaleNs ?? 1e6) / 1e6;
          if (b) this.#onBlock(b, b.durationTicks === undefined ? undefined : b.durationTicks * scale);
          return;
        }
        case ID.Timecode:
          this.#clusterTicks = readUint(e.data);
          return;
        case ID.EBML:
          // A second EBML header means a new muxer run was concatenated onto the stream.
          if (this.#info !== undefined) this.#finishRun();
          return;
        case ID.Info:
          this.#info = parseInfo(e.data);
          return;
        case ID.Tracks:
          this.#tracks = parseTracks(e.data);
          this.#video = this.#tracks.find((t) => t.info.kind === 'video')?.info.number;
          return;
        default:
          return; // PrevSize, Position, CRC-32 and anything unknown: not part of a KVS cluster.
      }
    }
  }

  #onBlock(parsed: ParsedBlock, durationMs?: number): void {
    const { track, flags, trackBytes, payload } = parsed;
    let keyframe = parsed.keyframe;
    const ticks = this.#clusterTicks + parsed.relative;
    if (!this.#tracks.some((t) => t.info.number === track)) {
      this.#warnOnce('UNKNOWN_TRACK', `block for track ${track}, which Tracks does not declare; dropped`);
      this.stats.droppedBlocks++;
      return;
    }
    const scale = this.#info?.timecodeScaleNs ?? 1e6;
    let timeMs = this.#o.epochBaseMs + Math.round((ticks * scale) / 1e6);
    // Audio-only streams: every block may start a fragment.
    const primary = this.#video === undefined ? this.#tracks[0]?.info.number : this.#video;
    const isPrimary = track === primary;
    if (isPrimary) {
      const behind = this.#closedPrimaryMaxMs - timeMs;
      if (behind >= 0 && behind <= MAX_RETIMED_STEP_MS) timeMs = this.#retime(timeMs);
      this.#lastPrimaryMs = timeMs;
    }
    const block: BlockRef = { track, ticks, timeMs, keyframe, flags, trackBytes, payload };
    if (durationMs !== undefined) block.durationMs = durationMs;
    this.#learnFrameDuration(track, timeMs);
    if (this.#video === undefined && isPrimary) block.keyframe = keyframe = true;

    const closing = this.#closing;
    if (closing !== undefined && !isPrimary && timeMs < closing.boundary) {
      if (timeMs >= closing.frag.startMs) closing.frag.blocks.push(block);
      else this.#dropLate(track, timeMs);
      return;
    }
    if (closing !== undefined) {
      closing.passed.add(track);
      const all = this.#tracks.every((t) => closing.passed.has(t.info.number));
      if (all || timeMs >= closing.boundary + this.#o.reorderWindowMs) this.#flushClosing();
    }

    const cur = this.#current;
    if (isPrimary && keyframe) {
      if (cur === undefined || this.#waitKey) {
        this.#waitKey = false;
        this.#current = { startMs: timeMs, blocks: [block], bytes: payload.length };
      } else if (timeMs - cur.startMs >= this.#o.minFragmentMs) {
        this.#close(timeMs);
        this.#current!.blocks.unshift(block);
        this.#current!.bytes += payload.length;
      } else {
        cur.blocks.push(block);
        cur.bytes += payload.length;
      }
      return;
    }
    if (cur === undefined || this.#waitKey) {
      // Before the first keyframe, or in the gap after a cut without keyframe: nothing decodes.
      this.stats.droppedBlocks++;
      return;
    }
    if (isPrimary) {
      const age = timeMs - cur.startMs;
      if (age >= this.#o.maxFragmentMs) {
        this.#warnOnce(
          'GOP_TOO_LONG',
          `the camera's keyframe interval is longer than ${this.#o.maxFragmentMs} ms; fragments are cut at ` +
            `${this.#o.hardLimitMs} ms and frames up to the next keyframe are dropped. Set the camera's ` +
            'GOP (I-frame interval) to 1-4 s.',
        );
      }
      // Cut before this frame if it would end past the limit, so the fragment stays within it; same
      // when the fragment grows too big for KVS.
      const frame = this.#frameMs.get(track) ?? 0;
      if (age + frame > this.#o.hardLimitMs || cur.bytes + payload.length > this.#o.maxFragmentBytes) {
        this.#close(timeMs);
        this.stats.droppedBlocks += 1 + this.#current!.blocks.length;
        this.#current = undefined;
        this.#waitKey = true;
        return;
      }
    } else if (timeMs < cur.startMs) {
      this.#dropLate(track, timeMs);
      return;
    }
    cur.blocks.push(block);
    cur.bytes += payload.length;
  }

  // Closes the current fragment at `boundary` and opens the next one with the non-primary blocks
  // that already lie at or after it.
  #close(boundary: number): void {
    if (this.#closing !== undefined) this.#flushClosing();
    const cur = this.#current!;
    this.#noteClosed(cur);
    const keep: BlockRef[] = [];
    const moved: BlockRef[] = [];
    for (const b of cur.blocks) {
      if (b.track !== cur.blocks[0]!.track && b.timeMs >= boundary) moved.push(b);
      else keep.push(b);
    }
    cur.blocks = keep;
    this.#closing = { frag: cur, boundary, passed: new Set(moved.map((b) => b.track)) };
    this.#current = {
      startMs: boundary,
      blocks: moved,
      bytes: moved.reduce((n, b) => n + b.payload.length, 0),
    };
  }

  #flushClosing(): void {
    const c = this.#closing;
    if (c === undefined) return;
    this.#closing = undefined;
    this.#emit(c.frag, c.boundary);
  }

  #finishRun(dropLastFrame = false): void {
    this.#flushClosing();
    const primary = this.#video ?? this.#tracks[0]?.info.number;
    const blocks = this.#current?.blocks;
    if (dropLastFrame && blocks !== undefined) {
      const last = blocks.findLastIndex((b) => b.track === primary);
      // The fragment's first frame is its keyframe; a fragment is never emptied of it.
      if (last > 0) blocks.splice(last, 1);
    }
    if (this.#current !== undefined && this.#current.blocks.length > 0 && !this.#waitKey) {
      this.#noteClosed(this.#current);
      this.#emit(this.#current, undefined);
    }
    this.#current = undefined;
    this.#waitKey = true;
    this.#lastTime.clear();
  }

  #emit(frag: Building, nextStart: number | undefined): void {
    const present = new Set(frag.blocks.map((b) => b.track));
    const header = this.#generations.forFragment(this.#info?.segmentUid, this.#tracks, present, frag.startMs);
    let endMs = frag.startMs;
    for (const b of frag.blocks) {
      const d = b.durationMs ?? this.#frameMs.get(b.track) ?? 0;
      endMs = Math.max(endMs, b.timeMs + d);
    }
    if (nextStart !== undefined) endMs = Math.min(endMs, nextStart);
    const bytes = buildCluster(frag.startMs, frag.blocks);
    this.stats.fragments++;
    this.#o.onFragment({ startMs: frag.startMs, endMs: Math.round(endMs), keyframe: true, bytes, header });
  }

  // KVS rejects a fragment holding a frame that is not after every frame of the fragment before it
  // (4004), and the whole fragment is lost. A source clock that steps back (seen from an RTSP camera
  // on a busy machine: 10591 ms, then 9648 ms, 9714 ms, ..., then 10501 ms again) would put such frames
  // into the fragment being built. They are kept, moved to 1 ms after the latest primary frame, so
  // every frame still decodes and the fragment is accepted; the stream's timing is off by the step for
  // those few frames only.
  #retime(timeMs: number): number {
    const moved = Math.max(this.#closedPrimaryMaxMs, this.#lastPrimaryMs) + 1;
    this.stats.retimedBlocks++;
    this.#warnOnce(
      'CLOCK_STEPPED_BACK',
      `the camera's frame times stepped back (a frame at ${timeMs} ms is not after the previous fragment, ` +
        `which ends at ${this.#closedPrimaryMaxMs} ms); such frames are moved just after it so KVS accepts ` +
        'the fragment. Check the camera clock (NTP) if this repeats.',
    );
    return moved;
  }

  #noteClosed(frag: Building): void {
    const primary = this.#video ?? this.#tracks[0]?.info.number;
    for (const b of frag.blocks) {
      if (b.track === primary) this.#closedPrimaryMaxMs = Math.max(this.#closedPrimaryMaxMs, b.timeMs);
    }
  }

  // Frame duration for endMs: the track's DefaultDuration when declared, else the last gap seen.
  #learnFrameDuration(track: number, timeMs: number): void {
    const dd = this.#tracks.find((t) => t.info.number === track)?.info.defaultDurationNs;
    if (dd !== undefined) {
      this.#frameMs.set(track, dd / 1e6);
      return;
    }
    const last = this.#lastTime.get(track);
    if (last !== undefined && timeMs > last) this.#frameMs.set(track, timeMs - last);
    this.#lastTime.set(track, timeMs);
  }

  #dropLate(track: number, timeMs: number): void {
    this.stats.droppedBlocks++;
    this.#warnOnce(
      'LATE_BLOCK_DROPPED',
      `a block of track ${track} at ${timeMs} arrived after its fragment was emitted; dropped`,
    );
  }

  #warnOnce(code: FragmenterWarning['code'], message: string): void {
    if (this.#warned.has(code)) return;
    this.#warned.add(code);
    this.#warn(code, message);
  }

  #warn(code: FragmenterWarning['code'], message: string): void {
    this.#o.log?.warn({ code }, message);
    this.#o.onWarning?.({ code, message });
  }
}
