// The fragmenter on real matroskamux output (x264 + AAC from gst-launch), checked with ffprobe and
// ffmpeg rather than with our own parser.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  children,
  element,
  encodeSize,
  ID,
  serializeFragments,
  uintElement,
  type Fragment,
} from '../../src/mkv/index.js';
import { decodeAll, ffprobe, packetTimes, writeClip } from '../helpers/media.js';
import { blocksOf, chunked, fragmentAll } from './helpers.js';

const BASE = 1_700_000_000_000;
const dir = t.testdir();
const av = join(dir, 'av.mkv');

/** Writes one file per header generation; returns their paths. */
function writeGenerations(name: string, fragments: Fragment[]): string[] {
  const files: string[] = [];
  for (const h of new Set(fragments.map((f) => f.header))) {
    const file = join(dir, `${name}-${h.generation}.mkv`);
    writeFileSync(
      file,
      serializeFragments(
        h,
        fragments.filter((f) => f.header === h),
      ),
    );
    files.push(file);
  }
  return files;
}

t.before(async () => {
  // 0.5 s GOP (8 frames at 15 fps), 4 s of video and audio.
  await writeClip(av, { seconds: 4, fps: 16, gopFrames: 8, bitrateKbps: 200, audio: { codec: 'aac' } });
});

t.test('a chunk boundary at every byte offset gives the same fragments as one big push', async (t) => {
  const data = await readFile(av);
  const whole = fragmentAll([data]);
  const bytewise = fragmentAll(chunked(data, 1));
  t.ok(whole.fragments.length >= 3);
  t.equal(bytewise.fragments.length, whole.fragments.length);
  for (let i = 0; i < whole.fragments.length; i++) {
    t.ok(bytewise.fragments[i]!.bytes.equals(whole.fragments[i]!.bytes), `fragment ${i} identical`);
  }
  t.same(
    bytewise.fragments.map((f) => [f.startMs, f.endMs]),
    whole.fragments.map((f) => [f.startMs, f.endMs]),
  );
  t.same(
    fragmentAll(chunked(data, 4093)).fragments.map((f) => f.bytes.length),
    whole.fragments.map((f) => f.bytes.length),
  );
});

t.test('output is valid, decodable Matroska with epoch timestamps; 0.5 s GOPs merge to >= 1 s', async (t) => {
  const data = await readFile(av);
  const { fragments, warnings } = fragmentAll(chunked(data, 1500));
  t.same(warnings, []);
  t.equal(new Set(fragments.map((f) => f.header)).size, 1, 'one generation');
  const [file] = writeGenerations('av', fragments);
  await decodeAll(file!);
  const probe = await ffprobe(file!);
  t.same(
    probe.streams.map((s) => s.codec_name),
    ['h264', 'aac'],
  );
  // Packet times: source running time + epoch base, to the millisecond.
  for (const stream of ['v:0', 'a:0']) {
    const src = await packetTimes(av, stream);
    const out = await packetTimes(file!, stream);
    const expected = new Set(src.map((p) => BASE + Math.round(p.pts * 1000)));
    const got = out.map((p) => Math.round(p.pts * 1000));
    t.ok(got.length >= src.length - 2, `${stream}: ${got.length} of ${src.length} packets kept`);
    t.ok(
      got.every((ms) => expected.has(ms)),
      `${stream}: every packet time is base + source time`,
    );
  }
  const keys = (await packetTimes(file!, 'v:0')).filter((p) => p.key).map((p) => Math.round(p.pts * 1000));
  for (const f of fragments) t.ok(keys.includes(f.startMs), 'each fragment starts at a keyframe');
  for (const f of fragments.slice(0, -1)) t.ok(f.endMs - f.startMs >= 1000, 'merged to at least 1 s');
});

t.test(
  'real frames in BlockGroups (known-size clusters, PrevSize) come out as the same SimpleBlocks',
  async (t) => {
    const data = await readFile(av);
    const plain = fragmentAll([data]).fragments;
    // Rewrap our output: each SimpleBlock becomes a BlockGroup (ReferenceBlock on non-keyframes).
    const header = plain[0]!.header;
    const clusters = plain.map((f, i) => {
      const kids = [...children(f.bytes.subarray(12))];
      const tc = Number(kids[0]!.data.readBigUInt64BE(0)) - BASE;
      const groups = kids.slice(1).map((c) => {
        const key = (c.data[3]! & 0x80) !== 0;
        const block = Buffer.from(c.data);
        block[3] = block[3]! & 0x7f;
        return element(ID.BlockGroup, [
          element(ID.Block, block),
          ...(key ? [] : [element(ID.ReferenceBlock, Buffer.from([0xc0]))]),
        ]);
      });
      const body = Buffer.concat([
        uintElement(ID.Timecode, tc),
        ...(i > 0 ? [uintElement(ID.PrevSize, 1234)] : []),
        ...groups,
      ]);
      return Buffer.concat([Buffer.from([0x1f, 0x43, 0xb6, 0x75]), encodeSize(body.length), body]);
    });
    const rewrapped = fragmentAll(chunked(Buffer.concat([header.bytes, ...clusters]), 777), {
      epochBaseMs: BASE,
    });
    t.equal(rewrapped.fragments.length, plain.length);
    for (let i = 0; i < plain.length; i++)
      t.ok(rewrapped.fragments[i]!.bytes.equals(plain[i]!.bytes), `fragment ${i}`);
  },
);

t.test('a 25 s GOP is cut at 20 s, warned once, and the result still decodes', async (t) => {
  const file = join(dir, 'longgop.mkv');
  await writeClip(file, { seconds: 52, fps: 5, gopFrames: 125, width: 64, height: 48, bitrateKbps: 200 });
  const { fragments, warnings } = fragmentAll([await readFile(file)]);
  t.same(
    fragments.map((f) => f.startMs - BASE),
    [0, 25_000, 50_000],
  );
  t.same(
    fragments.map((f) => f.endMs - f.startMs),
    [20_000, 20_000, 2000],
  );
  t.same(
    warnings.map((w) => w.code),
    ['GOP_TOO_LONG'],
  );
  const [out] = writeGenerations('longgop', fragments);
  await decodeAll(out!);
  t.equal((await packetTimes(out!)).length, 100 + 100 + 10);
});

t.test('audio that ends early: its fragments drop the audio track under a new generation', async (t) => {
  const file = join(dir, 'shortaudio.mkv');
  await writeClip(file, {
    seconds: 5,
    fps: 16,
    gopFrames: 16,
    bitrateKbps: 200,
    audio: { codec: 'aac', seconds: 2 },
  });
  const { fragments, warnings } = fragmentAll([await readFile(file)]);
  const gens = [...new Set(fragments.map((f) => f.header.generation))];
  t.same(gens, [1, 2]);
  t.same(
    warnings.map((w) => w.code),
    ['TRACK_SILENT'],
  );
  for (const f of fragments) {
    const tracks = new Set(blocksOf(f).map((b) => b.track));
    t.same(
      [...tracks].sort(),
      f.header.tracks.map((x) => x.number).sort(),
      'blocks of exactly the declared tracks',
    );
  }
  const files = writeGenerations('shortaudio', fragments);
  for (const f of files) await decodeAll(f);
  t.same(
    (await ffprobe(files[0]!)).streams.map((s) => s.codec_type),
    ['video', 'audio'],
  );
  t.same(
    (await ffprobe(files[1]!)).streams.map((s) => s.codec_type),
    ['video'],
  );
});

t.test('H.265 with G.711 A-law audio passes through unchanged and decodes', async (t) => {
  const file = join(dir, 'hevc.mkv');
  await writeClip(file, {
    seconds: 3,
    fps: 16,
    gopFrames: 16,
    width: 160,
    height: 128,
    codec: 'h265',
    audio: { codec: 'alaw' },
  });
  const { fragments } = fragmentAll(chunked(await readFile(file), 1000));
  t.same(
    fragments.map((f) => f.startMs - BASE),
    [0, 1000, 2000],
  );
  t.same(
    fragments[0]!.header.tracks.map((x) => x.codecId),
    ['V_MPEGH/ISO/HEVC', 'A_MS/ACM'],
  );
  const [out] = writeGenerations('hevc', fragments);
  await decodeAll(out!);
  t.same(
    (await ffprobe(out!)).streams.map((s) => s.codec_name),
    ['hevc', 'pcm_alaw'],
  );
});
