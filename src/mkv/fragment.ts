// The unit every consumer of camera video works in: a KVS-ready Matroska fragment and the stream
// header it belongs to. Produced by the Fragmenter (live, from gst-launch) and by the file reader
// (recordings); consumed by the store (files), the KVS uploader (PutMedia) and VOD publishing.

/** One track declared in a stream header. */
export interface TrackInfo {
  /** Matroska TrackNumber (1-based), as used in block headers. */
  number: number;
  kind: 'video' | 'audio';
  /** Matroska CodecID, e.g. V_MPEG4/ISO/AVC, V_MPEGH/ISO/HEVC, A_AAC, A_MS/ACM. */
  codecId: string;
  /** CodecPrivate bytes (avcC/hvcC/AudioSpecificConfig), when the track has them. */
  codecPrivate?: Buffer;
  width?: number;
  height?: number;
  samplingFrequency?: number;
  channels?: number;
  /** Matroska DefaultDuration (ns per frame) when the source declared one; used to estimate endMs. */
  defaultDurationNs?: number;
}

/**
 * EBML header + Segment (unknown size) + Info + Tracks, exactly the bytes that precede the first
 * cluster. A new generation starts whenever these bytes would change (codec parameters, resolution,
 * a track appearing or going silent, a camera restart): a consumer that sees a new generation must
 * start a new file or a new PutMedia session with the new header.
 */
export interface StreamHeader {
  generation: number;
  bytes: Buffer;
  tracks: TrackInfo[];
  /** Matroska TimecodeScale in ns; always 1,000,000 (1 ms) in what the fragmenter writes. */
  timecodeScaleNs: number;
}

/**
 * One Cluster of unknown size, SimpleBlocks only, starting with a video keyframe, with an absolute
 * cluster timecode in epoch milliseconds (8-byte Timecode element), frames of every declared track.
 */
export interface Fragment {
  /** Epoch ms of the first frame (the cluster timecode). */
  startMs: number;
  /** Epoch ms just after the last frame (last block time + its duration estimate). */
  endMs: number;
  /** Always true for fragments the fragmenter emits; kept explicit for readers of foreign files. */
  keyframe: boolean;
  /** The whole cluster, ready to append after `header.bytes` in a file or a PutMedia body. */
  bytes: Buffer;
  header: StreamHeader;
  /** Byte offset of `bytes` in the file it was read from (file reader only; undefined when live). */
  offset?: number;
}
