// RFC 6381 codec strings for the parent playlist's CODECS attribute, read from the Matroska
// CodecPrivate the camera sent (avcC, hvcC, AudioSpecificConfig), so players and MediaPackage see
// exactly what is in the segments without probing them.
import type { TrackInfo } from '../mkv/index.js';

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** avc1.PPCCLL from an avcC record (profile, constraint flags, level). */
export function avcCodecString(avcC: Buffer | undefined): string {
  // Without a record, High@4.0 is what most IP cameras send and what players assume.
  if (!avcC || avcC.length < 4) return 'avc1.640028';
  return `avc1.${hex2(avcC[1]!)}${hex2(avcC[2]!)}${hex2(avcC[3]!)}`;
}

function reverseBits32(v: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) out = (out << 1) | ((v >>> i) & 1);
  return out >>> 0;
}

/** hvc1.<space><profile>.<compat>.<tier><level>.<constraints> from an hvcC record (ISO 14496-15 E.3). */
export function hevcCodecString(hvcC: Buffer | undefined): string {
  // Main@L3.1 when the record is missing.
  if (!hvcC || hvcC.length < 13) return 'hvc1.1.6.L93.B0';
  const b1 = hvcC[1]!;
  const space = ['', 'A', 'B', 'C'][b1 >> 6]!;
  const tier = (b1 >> 5) & 1 ? 'H' : 'L';
  const profile = b1 & 0x1f;
  const compat = reverseBits32(hvcC.readUInt32BE(2)).toString(16);
  const level = hvcC[12]!;
  const constraints = [...hvcC.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const tail = constraints.map((c) => `.${c.toString(16).toUpperCase()}`).join('');
  return `hvc1.${space}${profile}.${compat}.${tier}${level}${tail}`;
}

/** mp4a.40.<audio object type> from an AudioSpecificConfig (AAC-LC = mp4a.40.2). */
export function aacCodecString(asc: Buffer | undefined): string {
  if (!asc || asc.length < 1) return 'mp4a.40.2';
  let aot = asc[0]! >> 3;
  if (aot === 31 && asc.length >= 2) aot = 32 + (((asc[0]! & 0x07) << 3) | (asc[1]! >> 5));
  return `mp4a.40.${aot}`;
}

/** Video codec family by Matroska CodecID, or undefined when HLS-TS cannot carry it unconverted. */
export function videoKind(codecId: string): 'h264' | 'h265' | undefined {
  if (codecId === 'V_MPEG4/ISO/AVC') return 'h264';
  if (codecId === 'V_MPEGH/ISO/HEVC') return 'h265';
  return undefined;
}

/** What the parent playlist says about the tracks that go into the segments. */
export interface StreamDescription {
  video: 'h264' | 'h265';
  codecs: string[];
  width?: number;
  height?: number;
  /** Frames per second from the track's DefaultDuration, when declared. */
  frameRate?: number;
  audio: boolean;
}

export function describeTracks(video: TrackInfo, audio: TrackInfo | undefined): StreamDescription {
  const kind = videoKind(video.codecId);
  if (!kind) throw new Error(`video codec ${video.codecId} cannot be packaged as HLS without re-encoding`);
  const codecs = [kind === 'h264' ? avcCodecString(video.codecPrivate) : hevcCodecString(video.codecPrivate)];
  if (audio) codecs.push(aacCodecString(audio.codecPrivate));
  const d: StreamDescription = { video: kind, codecs, audio: audio !== undefined };
  if (video.width !== undefined) d.width = video.width;
  if (video.height !== undefined) d.height = video.height;
  if (video.defaultDurationNs) d.frameRate = 1e9 / video.defaultDurationNs;
  return d;
}
