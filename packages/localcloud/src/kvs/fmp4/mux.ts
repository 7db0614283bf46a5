// A small fragmented-MP4 writer: the init segment (ftyp + moov) from Matroska tracks and one media
// segment (moof + mdat) per stored fragment. Frames are copied byte for byte (H.264/H.265 in Matroska
// are already length-prefixed NAL units, AAC frames are raw), so nothing is re-encoded. One timescale
// (1 ms, Matroska's usual precision) for every track; decode times are the producer timestamps.
import { RemuxError, type MkvFrame, type MkvTrack } from './matroska.js';

export const TIMESCALE = 1000;

function box(type: string, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 8, 0);
  head.write(type, 4, 'ascii');
  return Buffer.concat([head, payload]);
}

function full(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...parts);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v & 0xffff, i * 2));
  return b;
}

function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.round(v))));
  return b;
}

const MATRIX = u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);

/** The tracks the remuxer can carry, in the order they appear in the header. */
export function supportedTracks(tracks: MkvTrack[]): MkvTrack[] {
  return tracks.filter((t) => sampleEntryType(t) !== undefined);
}

function sampleEntryType(t: MkvTrack): string | undefined {
  if (t.codecId === 'V_MPEG4/ISO/AVC') return 'avc1';
  if (t.codecId === 'V_MPEGH/ISO/HEVC') return 'hvc1';
  if (t.codecId === 'A_AAC' || t.codecId.startsWith('A_AAC/')) return 'mp4a';
  return undefined;
}

/** RFC 6381 codec string of a track, for the master playlist's CODECS attribute. */
export function codecString(t: MkvTrack): string {
  const cp = t.codecPrivate ?? Buffer.alloc(0);
  switch (sampleEntryType(t)) {
    case 'avc1':
      return `avc1.${cp.subarray(1, 4).toString('hex')}`;
    case 'hvc1': {
      if (cp.length < 13) return 'hvc1';
      const space = ['', 'A', 'B', 'C'][cp[1]! >> 6];
      const tier = cp[1]! & 0x20 ? 'H' : 'L';
      const profile = cp[1]! & 0x1f;
      let compat = cp.readUInt32BE(2);
      let reversed = 0;
      for (let i = 0; i < 32; i++) {
        reversed = (reversed << 1) | (compat & 1);
        compat >>>= 1;
      }
      const constraints = [...cp.subarray(6, 12)];
      while (constraints.length > 0 && constraints.at(-1) === 0) constraints.pop();
      return [
        'hvc1',
        `${space}${profile}`,
        (reversed >>> 0).toString(16),
        `${tier}${cp[12]}`,
        ...constraints.map((b) => b.toString(16)),
      ].join('.');
    }
    case 'mp4a':
      return `mp4a.40.${cp.length > 0 ? cp[0]! >> 3 : 2}`;
    default:
      return t.codecId;
  }
}

function sampleEntry(t: MkvTrack): Buffer {
  const type = sampleEntryType(t);
  if (type === undefined) throw new RemuxError(`codec ${t.codecId} cannot be carried in fMP4 here`);
  if (t.codecPrivate === undefined || t.codecPrivate.length === 0)
    throw new RemuxError(
      `track ${t.number} (${t.codecId}) has no CodecPrivate; the decoder configuration is missing`,
    );
  const reserved = Buffer.concat([Buffer.alloc(6), u16(1)]);
  if (type === 'mp4a') {
    const asc = t.codecPrivate;
    const decSpecific = Buffer.concat([Buffer.from([0x05, asc.length]), asc]);
    const decConfig = Buffer.concat([
      Buffer.from([0x04, 13 + decSpecific.length, 0x40, 0x15, 0, 0, 0]),
      u32(0, 0),
      decSpecific,
    ]);
    const sl = Buffer.from([0x06, 1, 0x02]);
    const es = Buffer.concat([
      Buffer.from([0x03, 3 + decConfig.length + sl.length]),
      u16(0),
      Buffer.from([0]),
      decConfig,
      sl,
    ]);
    return box(
      'mp4a',
      reserved,
      u32(0, 0),
      u16(t.channels, 16, 0, 0),
      u32(Math.round(t.sampleRate) * 65536),
      full('esds', 0, 0, es),
    );
  }
  const compressor = Buffer.alloc(32);
  return box(
    type,
    reserved,
    u16(0, 0),
    u32(0, 0, 0),
    u16(t.width, t.height),
    u32(0x00480000, 0x00480000, 0),
    u16(1),
    compressor,
    u16(0x18, 0xffff),
    box(type === 'avc1' ? 'avcC' : 'hvcC', t.codecPrivate),
  );
}

function trak(t: MkvTrack, id: number): Buffer {
  const video = t.type === 1;
  const tkhd = full(
    'tkhd',
    0,
    3,
    u32(0, 0, id, 0, 0, 0, 0),
    u16(0, 0, video ? 0 : 0x0100, 0),
    MATRIX,
    u32(t.width * 65536, t.height * 65536),
  );
  const mdhd = full('mdhd', 0, 0, u32(0, 0, TIMESCALE, 0), u16(0x55c4, 0));
  const hdlr = full(
    'hdlr',
    0,
    0,
    u32(0),
    Buffer.from(video ? 'vide' : 'soun'),
    u32(0, 0, 0),
    Buffer.from(video ? 'VideoHandler\0' : 'SoundHandler\0'),
  );
  const header = video ? full('vmhd', 0, 1, u16(0, 0, 0, 0)) : full('smhd', 0, 0, u16(0, 0));
  const dinf = box('dinf', full('dref', 0, 0, u32(1), full('url ', 0, 1)));
  const stbl = box(
    'stbl',
    full('stsd', 0, 0, u32(1), sampleEntry(t)),
    full('stts', 0, 0, u32(0)),
    full('stsc', 0, 0, u32(0)),
    full('stsz', 0, 0, u32(0, 0)),
    full('stco', 0, 0, u32(0)),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', header, dinf, stbl)));
}

/** ftyp + moov for the tracks; fMP4 track ids are 1..n in this order. */
export function initSegment(tracks: MkvTrack[]): Buffer {
  const ftyp = box('ftyp', Buffer.from('iso5'), u32(1), Buffer.from('iso5iso6mp41'));
  const mvhd = full(
    'mvhd',
    0,
    0,
    u32(0, 0, TIMESCALE, 0, 0x00010000),
    u16(0x0100, 0),
    u32(0, 0),
    MATRIX,
    u32(0, 0, 0, 0, 0, 0),
    u32(tracks.length + 1),
  );
  const mvex = box('mvex', ...tracks.map((_, i) => full('trex', 0, 0, u32(i + 1, 1, 0, 0, 0))));
  return Buffer.concat([ftyp, box('moov', mvhd, ...tracks.map((t, i) => trak(t, i + 1)), mvex)]);
}

interface Sample {
  duration: number;
  size: number;
  flags: number;
  cts: number;
}

/**
 * moof + mdat of one fragment. `startMs` is the fragment's producer timestamp (frame times are relative
 * to it), `nextStartMs` the next fragment's start when it follows without a gap (sets the last frame's
 * duration; otherwise the previous frame's duration is repeated).
 */
export function mediaSegment(
  tracks: MkvTrack[],
  frames: MkvFrame[],
  sequence: number,
  startMs: number,
  nextStartMs: number | undefined,
): Buffer {
  const trafs: { id: number; base: number; samples: Sample[]; data: Buffer[] }[] = [];
  tracks.forEach((t, i) => {
    const mine = frames.filter((f) => f.track === t.number);
    if (mine.length === 0) return;
    const pts = mine.map((f) => startMs + f.relMs);
    // Matroska stores frames in decode order with presentation times: decode times are the sorted
    // presentation times, shifted so that no frame is decoded after it is shown.
    const sorted = [...pts].sort((a, b) => a - b);
    const shift = Math.max(0, ...sorted.map((s, k) => s - pts[k]!));
    const dts = sorted.map((s) => s - shift);
    const samples: Sample[] = mine.map((f, k) => {
      const next =
        k + 1 < mine.length ? dts[k + 1]! : nextStartMs !== undefined ? nextStartMs - shift : undefined;
      const prev = k > 0 ? dts[k]! - dts[k - 1]! : undefined;
      const duration = Math.max(1, Math.round(next !== undefined ? next - dts[k]! : (prev ?? 33)));
      const flags = t.type === 1 ? (f.keyframe ? 0x02000000 : 0x01010000) : 0x02000000;
      return { duration, size: f.data.length, flags, cts: Math.round(pts[k]! - dts[k]!) };
    });
    trafs.push({ id: i + 1, base: dts[0]!, samples, data: mine.map((f) => f.data) });
  });
  if (trafs.length === 0) throw new RemuxError('the fragment holds no frame of a playable track');
  const build = (offsets: number[]) =>
    box(
      'moof',
      full('mfhd', 0, 0, u32(sequence)),
      ...trafs.map((tr, k) =>
        box(
          'traf',
          full('tfhd', 0, 0x020000, u32(tr.id)),
          full('tfdt', 1, 0, u64(tr.base)),
          full(
            'trun',
            0,
            0x000f01,
            u32(tr.samples.length, offsets[k]!),
            ...tr.samples.map((s) => u32(s.duration, s.size, s.flags, s.cts)),
          ),
        ),
      ),
    );
  const moofSize = build(trafs.map(() => 0)).length;
  let at = moofSize + 8;
  const offsets = trafs.map((tr) => {
    const o = at;
    at += tr.data.reduce((n, d) => n + d.length, 0);
    return o;
  });
  const mdat = box('mdat', ...trafs.flatMap((tr) => tr.data));
  return Buffer.concat([build(offsets), mdat]);
}
