// Stream headers: what we read from a muxer's EBML/Info/Tracks, and the canonical header we write
// (EBML, Segment of unknown size, Info with a 1 ms TimecodeScale, Tracks) for KVS and our own files.
import type { StreamHeader, TrackInfo } from './fragment.js';
import { ID, TRACK_TYPE } from './ids.js';
import { children } from './reader.js';
import { encodeId, UNKNOWN_SIZE } from './vint.js';
import { element, readFloat, readInt, readUint, stringElement, uintElement } from './writer.js';

/** Written as MuxingApp/WritingApp; the file reader uses it to recognise its own segment files. */
export const MUXING_APP = 'kvs-edge-connector';

/** Info fields the fragmenter and file reader need. */
export interface SourceInfo {
  timecodeScaleNs: number;
  segmentUid?: Buffer;
  /** DateUTC as epoch ms (matroskamux writes the time the file or stream was opened). */
  dateUtcMs?: number;
  muxingApp?: string;
}

/** A track as read from the source, with its raw TrackEntry bytes (copied into our header verbatim). */
export interface SourceTrack {
  info: TrackInfo;
  entry: Buffer;
}

// DateUTC counts ns from 2001-01-01T00:00:00Z.
const MATROSKA_EPOCH_MS = Date.UTC(2001, 0, 1);

export function parseInfo(payload: Buffer): SourceInfo {
  const info: SourceInfo = { timecodeScaleNs: 1_000_000 };
  for (const c of children(payload)) {
    if (c.id === ID.TimecodeScale) info.timecodeScaleNs = readUint(c.data) || 1_000_000;
    else if (c.id === ID.SegmentUID) info.segmentUid = c.data;
    else if (c.id === ID.DateUTC) info.dateUtcMs = MATROSKA_EPOCH_MS + Math.floor(readInt(c.data) / 1e6);
    else if (c.id === ID.MuxingApp) info.muxingApp = c.data.toString('utf8');
  }
  return info;
}

export function parseTracks(payload: Buffer): SourceTrack[] {
  const tracks: SourceTrack[] = [];
  const raw = [...rawChildren(payload)];
  for (const { id, data, bytes } of raw) {
    if (id !== ID.TrackEntry) continue;
    let type = 0;
    const info: TrackInfo = { number: 0, kind: 'video', codecId: '' };
    for (const c of children(data)) {
      if (c.id === ID.TrackNumber) info.number = readUint(c.data);
      else if (c.id === ID.TrackType) type = readUint(c.data);
      else if (c.id === ID.CodecID) info.codecId = c.data.toString('latin1').replace(/\0+$/, '');
      else if (c.id === ID.CodecPrivate) info.codecPrivate = Buffer.from(c.data);
      else if (c.id === ID.DefaultDuration) info.defaultDurationNs = readUint(c.data);
      else if (c.id === ID.Video) {
        for (const v of children(c.data)) {
          if (v.id === ID.PixelWidth) info.width = readUint(v.data);
          else if (v.id === ID.PixelHeight) info.height = readUint(v.data);
        }
      } else if (c.id === ID.Audio) {
        for (const a of children(c.data)) {
          if (a.id === ID.SamplingFrequency) info.samplingFrequency = readFloat(a.data);
          else if (a.id === ID.Channels) info.channels = readUint(a.data);
        }
      }
    }
    // Subtitles and other track types have no place in a KVS stream; their blocks are dropped.
    if (type !== TRACK_TYPE.video && type !== TRACK_TYPE.audio) continue;
    if (info.number === 0) continue;
    info.kind = type === TRACK_TYPE.video ? 'video' : 'audio';
    tracks.push({ info, entry: Buffer.from(bytes) });
  }
  return tracks;
}

function* rawChildren(payload: Buffer): Generator<{ id: number; data: Buffer; bytes: Buffer }> {
  let p = 0;
  for (const c of children(payload)) {
    const start = c.data.byteOffset - payload.byteOffset;
    const end = start + c.data.length;
    yield { id: c.id, data: c.data, bytes: payload.subarray(p, end) };
    p = end;
  }
}

const EBML_HEADER = element(ID.EBML, [
  uintElement(ID.EBMLVersion, 1),
  uintElement(ID.EBMLReadVersion, 1),
  uintElement(ID.EBMLMaxIDLength, 4),
  uintElement(ID.EBMLMaxSizeLength, 8),
  stringElement(ID.DocType, 'matroska'),
  uintElement(ID.DocTypeVersion, 2),
  uintElement(ID.DocTypeReadVersion, 2),
]);

/**
 * The canonical header bytes: ours EBML header, Segment of unknown size, Info (SegmentUID of the
 * source, TimecodeScale 1 ms, our app name) and Tracks with the given source entries in source order.
 */
export function buildHeaderBytes(segmentUid: Buffer | undefined, tracks: readonly SourceTrack[]): Buffer {
  const info = element(ID.Info, [
    ...(segmentUid && segmentUid.length === 16 ? [element(ID.SegmentUID, segmentUid)] : []),
    uintElement(ID.TimecodeScale, 1_000_000),
    stringElement(ID.MuxingApp, MUXING_APP),
    stringElement(ID.WritingApp, MUXING_APP),
  ]);
  return Buffer.concat([
    EBML_HEADER,
    encodeId(ID.Segment),
    UNKNOWN_SIZE,
    info,
    element(
      ID.Tracks,
      tracks.map((t) => t.entry),
    ),
  ]);
}

/** A StreamHeader for the given tracks. */
export function makeHeader(
  generation: number,
  segmentUid: Buffer | undefined,
  tracks: readonly SourceTrack[],
): StreamHeader {
  return {
    generation,
    bytes: buildHeaderBytes(segmentUid, tracks),
    tracks: tracks.map((t) => t.info),
    timecodeScaleNs: 1_000_000,
  };
}
