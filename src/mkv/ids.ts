// Matroska/EBML element IDs, with their marker bits kept (the form the Matroska spec prints them in),
// and the nesting level of the ones whose level decides where an unknown-size element ends.

/** Element IDs this module reads or writes. */
export const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Void: 0xec,
  CRC32: 0xbf,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  SegmentUID: 0x73a4,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  DateUTC: 0x4461,
  Title: 0x7ba9,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  BitDepth: 0x6264,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  Position: 0xa7,
  PrevSize: 0xab,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  BlockDuration: 0x9b,
  ReferenceBlock: 0xfb,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
  Tags: 0x1254c367,
} as const;

/** Matroska TrackType values. */
export const TRACK_TYPE = { video: 1, audio: 2 } as const;

// Levels decide where an unknown-size element ends: an element of level <= the open element's level
// cannot be its child, so it closes it (Matroska spec, "Unknown-Sized Element").
const LEVELS = new Map<number, number>([
  [ID.EBML, 0],
  [ID.Segment, 0],
  [ID.SeekHead, 1],
  [ID.Info, 1],
  [ID.Tracks, 1],
  [ID.Cluster, 1],
  [ID.Cues, 1],
  [ID.Chapters, 1],
  [ID.Attachments, 1],
  [ID.Tags, 1],
  [ID.Timecode, 2],
  [ID.Position, 2],
  [ID.PrevSize, 2],
  [ID.SimpleBlock, 2],
  [ID.BlockGroup, 2],
]);

/** Nesting level of an element ID (0 = top), or undefined for IDs whose level is not tracked. */
export function elementLevel(id: number): number | undefined {
  return LEVELS.get(id);
}
