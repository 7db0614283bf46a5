// Matroska for KVS: camera bytes in, KVS-ready fragments out, and the same fragments back from files.
//
// gst-launch's matroskamux (streamable=true) writes one endless Segment whose clusters follow the
// camera's GOPs, with running-time timecodes, PrevSize/Tags/Void noise and the odd BlockGroup. KVS
// wants something stricter: one header (EBML, Segment of unknown size, Info, Tracks), then clusters
// of 1-20 s that start on a keyframe, carry an absolute timecode, hold frames of every declared track
// and never step back in time. The Fragmenter turns the first into the second, streaming, one cluster
// in memory at a time; the file reader does the same for recordings (ours and other muxers'), and
// scanFile indexes a file without reading its frames. Everything rests on a small streaming EBML
// reader and writer (reader.ts, writer.ts, vint.ts) that other code may use directly.
export type { Fragment, StreamHeader, TrackInfo } from './fragment.js';
export {
  Fragmenter,
  type FragmenterOptions,
  type FragmenterStats,
  type FragmenterWarning,
} from './fragmenter.js';
export { readFragmentsFromFile, serializeFragments, type ReadFileOptions } from './file.js';
export { scanFile, type ScanOptions, type ScanResult, type ScannedFragment } from './scan.js';
export { MkvError, type MkvErrorCode } from './errors.js';
export { ID, TRACK_TYPE, elementLevel } from './ids.js';
export { EbmlStreamReader, children, type EbmlEvent, type EbmlReaderOptions } from './reader.js';
export {
  element,
  floatElement,
  stringElement,
  uintElement,
  unknownSizeStart,
  readFloat,
  readInt,
  readUint,
} from './writer.js';
export {
  encodeId,
  encodeSize,
  readId,
  readSize,
  sizeWidth,
  vintWidth,
  UNKNOWN_SIZE,
  type Vint,
} from './vint.js';
export { buildCluster, readBlockGroup, readSimpleBlock, MAX_RELATIVE_MS, type BlockRef } from './block.js';
export { MUXING_APP, buildHeaderBytes, makeHeader, parseInfo, parseTracks } from './header.js';
