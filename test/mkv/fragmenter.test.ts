// Fragmenter rules on synthetic streams, where block times are chosen exactly: GOP merge and cut,
// audio overlap, BlockGroups, dropped elements, silent tracks and header generations.
import t from 'tap';
import { element, Fragmenter, ID, uintElement, type Fragment } from '../../src/mkv/index.js';
import {
  blockGroup,
  blocksOf,
  chunked,
  cluster,
  ebmlHeader,
  fragmentAll,
  info,
  segmentStart,
  simpleBlock,
  stream,
  tracks,
  type TrackSpec,
} from './helpers.js';

const BASE = 1_700_000_000_000;
const V: TrackSpec = { number: 1, type: 'video', defaultDurationNs: 40_000_000 };
const A: TrackSpec = { number: 2, type: 'audio' };

/** Video at 25 fps with a keyframe every `gopMs`, one cluster per GOP, audio every 20 ms when `audio`. */
function gopStream(seconds: number, gopMs: number, audio = false): Buffer {
  const clusters: Buffer[] = [];
  for (let start = 0; start < seconds * 1000; start += gopMs) {
    const blocks: Buffer[] = [];
    for (let ms = start; ms < Math.min(start + gopMs, seconds * 1000); ms += 40) {
      blocks.push(simpleBlock(1, ms - start, ms === start));
      if (audio) for (const a of [ms, ms + 20]) blocks.push(simpleBlock(2, a - start, true));
    }
    clusters.push(cluster(start, blocks));
  }
  return stream(audio ? [V, A] : [V], clusters);
}

function starts(fs: Fragment[]): number[] {
  return fs.map((f) => f.startMs - BASE);
}

t.test('short GOPs merge into fragments of at least 1 s that start on keyframes', async (t) => {
  const { fragments } = fragmentAll([gopStream(6, 400)]);
  t.same(starts(fragments), [0, 1200, 2400, 3600, 4800]);
  for (const f of fragments.slice(0, -1)) t.ok(f.endMs - f.startMs >= 1000 && f.endMs - f.startMs <= 10_000);
  t.equal(fragments.at(-1)!.endMs - BASE, 6000, 'last frame + DefaultDuration');
  for (const f of fragments) {
    t.ok(blocksOf(f)[0]!.keyframe, 'starts with a keyframe');
    t.equal(f.bytes.subarray(4, 12).toString('hex'), '01ffffffffffffff', 'cluster of unknown size');
    t.equal(f.bytes.subarray(12, 14).toString('hex'), 'e788', '8-byte Timecode');
  }
  t.equal(fragments[0]!.endMs, fragments[1]!.startMs, 'endMs meets the next start');
});

t.test(
  'a GOP longer than 20 s is cut at 20 s, frames until the next keyframe dropped, one warning',
  async (t) => {
    const { fragments, warnings, stats } = fragmentAll([gopStream(60, 25_000)]);
    t.same(starts(fragments), [0, 25_000, 50_000]);
    t.same(
      fragments.map((f) => f.endMs - f.startMs),
      [20_000, 20_000, 10_000],
    );
    for (const f of fragments) t.ok(blocksOf(f).every((b) => b.timeMs - f.startMs < 20_000));
    t.same(
      warnings.map((w) => w.code),
      ['GOP_TOO_LONG'],
    );
    t.match(warnings[0]!.message, /GOP/);
    t.equal(stats.droppedBlocks, 2 * 125, '5 s of 25 fps dropped after each of the two cuts');
  },
);

t.test('a fragment about to pass maxFragmentBytes is cut like an overlong GOP', async (t) => {
  // 25 fps, 10-byte frames: 40 frames (400 bytes) fit, the 41st would pass 405.
  const { fragments, stats } = fragmentAll([gopStream(4, 2000)], { maxFragmentBytes: 405 });
  t.same(starts(fragments), [0, 2000]);
  t.same(
    fragments.map((f) => f.endMs - f.startMs),
    [1600, 1600],
  );
  t.equal(stats.droppedBlocks, 20);
});

t.test('GOPs between 10 and 20 s stay whole, with a warning', async (t) => {
  const { fragments, warnings } = fragmentAll([gopStream(30, 12_000)]);
  t.same(starts(fragments), [0, 12_000, 24_000]);
  t.equal(warnings.length, 1);
});

t.test(
  'audio overlap: audio at or after the cut moves forward, late audio before it stays back',
  async (t) => {
    // Cluster 0 holds audio past the next keyframe (1000, 1010); audio at 990 arrives after that
    // keyframe. Every block must land in the fragment its time belongs to.
    const data = stream(
      [V, A],
      [
        cluster(0, [
          simpleBlock(1, 0, true),
          simpleBlock(2, 0, true),
          simpleBlock(1, 500, false),
          simpleBlock(2, 500, true),
          simpleBlock(2, 1000, true),
          simpleBlock(2, 1010, true),
        ]),
        cluster(1000, [
          simpleBlock(1, 0, true),
          simpleBlock(2, -10, true),
          simpleBlock(1, 40, false),
          simpleBlock(2, 30, true),
        ]),
        cluster(2000, [simpleBlock(1, 0, true), simpleBlock(2, 0, true)]),
      ],
    );
    const { fragments } = fragmentAll([data]);
    const times = fragments.map((f) => blocksOf(f).map((b) => `${b.track}:${b.timeMs - BASE}`));
    t.same(times, [
      ['1:0', '2:0', '1:500', '2:500', '2:990'],
      ['1:1000', '2:1000', '2:1010', '1:1040', '2:1030'],
      ['1:2000', '2:2000'],
    ]);
    for (let i = 0; i + 1 < fragments.length; i++) {
      const last = Math.max(...blocksOf(fragments[i]!).map((b) => b.timeMs));
      t.ok(last < fragments[i + 1]!.startMs, 'no block time goes backwards across fragments');
    }
  },
);

t.test('audio that arrives after its fragment was emitted is dropped with one warning', async (t) => {
  const data = stream(
    [V, A],
    [
      cluster(0, [simpleBlock(1, 0, true), simpleBlock(2, 0, true)]),
      cluster(1000, [simpleBlock(1, 0, true), simpleBlock(2, 0, true), simpleBlock(2, 2500, true)]),
      cluster(3600, [
        simpleBlock(2, -3000, true),
        simpleBlock(2, -2999, true),
        simpleBlock(1, 0, true),
        simpleBlock(2, 0, true),
      ]),
    ],
  );
  const { fragments, warnings } = fragmentAll([data], { reorderWindowMs: 500 });
  t.same(starts(fragments), [0, 1000, 3600]);
  t.same(
    warnings.map((w) => w.code),
    ['LATE_BLOCK_DROPPED'],
  );
});

t.test(
  'BlockGroups become SimpleBlocks; Tags, Void, Cues, PrevSize, unknown tracks are dropped',
  async (t) => {
    const data = Buffer.concat([
      ebmlHeader(),
      segmentStart(),
      element(ID.Tags, Buffer.alloc(8)),
      element(ID.SeekHead, Buffer.alloc(8)),
      info(),
      tracks([V, A]),
      element(ID.Void, Buffer.alloc(30)),
      cluster(
        0,
        [
          blockGroup(1, 0, true, Buffer.from('key')),
          blockGroup(2, 0, true, Buffer.from('aud'), 25),
          blockGroup(1, 500, false, Buffer.from('delta')),
          simpleBlock(9, 600, true),
          blockGroup(2, 900, true, Buffer.from('aud2'), 200),
        ],
        true,
      ),
      element(ID.Cues, Buffer.alloc(8)),
      cluster(1000, [uintElement(ID.PrevSize, 100), simpleBlock(1, 0, true), simpleBlock(2, 0, true)]),
    ]);
    const { fragments, warnings } = fragmentAll(chunked(data, 5));
    t.equal(fragments.length, 2);
    const b = blocksOf(fragments[0]!);
    t.same(
      b.map((x) => [x.track, x.timeMs - BASE, x.keyframe, x.size]),
      [
        [1, 0, true, 3],
        [2, 0, true, 3],
        [1, 500, false, 5],
        [2, 900, true, 4],
      ],
    );
    t.equal(fragments[0]!.endMs - BASE, 1000, 'BlockDuration counts toward endMs, clamped to the next start');
    t.same(
      warnings.map((w) => w.code),
      ['UNKNOWN_TRACK'],
    );
    const ids = [...fragments[1]!.bytes.subarray(12)].slice(0, 1);
    t.same(ids, [0xe7], 'no PrevSize in the output cluster');
    t.notOk(
      fragments[0]!.header.bytes.includes(Buffer.from([0x12, 0x54, 0xc3, 0x67])),
      'no Tags in the header',
    );
  },
);

t.test('a silent track leaves the header (new generation) and comes back with another one', async (t) => {
  const clusters: Buffer[] = [];
  for (let s = 0; s < 6; s++) {
    const audio = s < 2 || s >= 4;
    clusters.push(cluster(s * 1000, [simpleBlock(1, 0, true), ...(audio ? [simpleBlock(2, 10, true)] : [])]));
  }
  const { fragments, warnings } = fragmentAll([stream([V, A], clusters)]);
  t.same(
    fragments.map((f) => f.header.generation),
    [1, 1, 2, 2, 3, 3],
  );
  t.same(
    fragments.map((f) => f.header.tracks.map((x) => x.kind).join('+')),
    ['video+audio', 'video+audio', 'video', 'video', 'video+audio', 'video+audio'],
  );
  t.equal(fragments[0]!.header, fragments[1]!.header, 'same object within a generation');
  t.same(
    warnings.map((w) => w.code),
    ['TRACK_SILENT'],
  );
});

t.test('a new muxer run in the same byte stream and a resolution change start new generations', async (t) => {
  const run1 = stream([V], [cluster(0, [simpleBlock(1, 0, true)]), cluster(1000, [simpleBlock(1, 0, true)])]);
  const run2 = stream([{ ...V, width: 640 }], [cluster(5000, [simpleBlock(1, 0, true)])]);
  const headers: number[] = [];
  const { fragments } = fragmentAll([run1, run2], { onHeader: (h) => headers.push(h.generation) });
  t.same(
    fragments.map((f) => [f.startMs - BASE, f.header.generation]),
    [
      [0, 1],
      [1000, 1],
      [5000, 2],
    ],
  );
  t.same(headers, [1, 2]);
  t.equal(fragments[2]!.header.tracks[0]!.width, 640);
  t.equal(fragments[1]!.endMs - fragments[1]!.startMs, 40, 'end of a run closes its last fragment');
});

t.test('audio-only streams are cut on time; blocks before the first keyframe are dropped', async (t) => {
  const clusters = [0, 1, 2].map((s) =>
    cluster(s * 1000, [simpleBlock(1, 0, true), simpleBlock(1, 500, true)]),
  );
  const { fragments } = fragmentAll([
    stream(
      [A].map((x) => ({ ...x, number: 1 })),
      clusters,
    ),
  ]);
  t.same(starts(fragments), [0, 1000, 2000]);
  const lead = stream([V], [cluster(0, [simpleBlock(1, 0, false), simpleBlock(1, 40, true)])]);
  const r = fragmentAll([lead]);
  t.same(starts(r.fragments), [40]);
  t.equal(r.stats.droppedBlocks, 1);
});

t.test('timecode scale other than 1 ms is converted; push after end throws', async (t) => {
  const data = Buffer.concat([
    ebmlHeader(),
    segmentStart(),
    info(100_000),
    tracks([V]),
    cluster(0, [simpleBlock(1, 0, true)]),
    cluster(15_000, [simpleBlock(1, 5, true)]),
  ]);
  let g = 10;
  const out: Fragment[] = [];
  const { Fragmenter } = await import('../../src/mkv/index.js');
  const f = new Fragmenter({ epochBaseMs: BASE, nextGeneration: () => ++g, onFragment: (x) => out.push(x) });
  f.push(data);
  f.end();
  f.end();
  t.same(starts(out), [0, 1501]);
  t.equal(out[0]!.header.timecodeScaleNs, 1_000_000);
  t.equal(out[0]!.header.generation, 11);
  t.throws(() => f.push(Buffer.alloc(1)), /after end/);
  t.equal(f.header, out[0]!.header);
});

t.test(
  'a forced end can leave out the last video frame (it may be partial), never the keyframe',
  async (t) => {
    const run = (dropLastFrame: boolean, seconds: number, gopMs: number) => {
      const fragments: Fragment[] = [];
      let g = 0;
      const f = new Fragmenter({
        epochBaseMs: BASE,
        nextGeneration: () => ++g,
        onFragment: (x) => fragments.push(x),
      });
      f.push(gopStream(seconds, gopMs, true));
      f.end({ dropLastFrame });
      return fragments;
    };
    const kept = run(false, 3, 1000);
    const dropped = run(true, 3, 1000);
    const videoTimes = (fs: Fragment[]) =>
      fs.flatMap((f) =>
        blocksOf(f)
          .filter((b) => b.track === 1)
          .map((b) => b.timeMs - BASE),
      );
    t.equal(videoTimes(kept).at(-1), 2960);
    t.equal(videoTimes(dropped).at(-1), 2920, 'the final video frame is gone');
    t.same(videoTimes(dropped), videoTimes(kept).slice(0, -1), 'nothing else changed');
    t.ok(
      blocksOf(dropped.at(-1)!).some((b) => b.track === 2),
      'audio stays',
    );
    // A last fragment holding only its keyframe keeps it.
    const single = run(true, 0.04, 1000);
    t.equal(videoTimes(single).length, 1);
  },
);

// Frame times of the fault suite's lost fragment (cam2, error-ACK scenario, first full run), as
// recorded: after the keyframe at 10473 the camera's clock stepped back to 9648 for eleven frames.
t.test(
  'video frames that step back behind the previous fragment are kept and moved after it (no 4004)',
  async (t) => {
    const first = [
      0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 660, 720, 780, 840, 900, 960, 1000, 1086,
    ];
    const second = [
      1145, 1204, 1263, 320, 386, 453, 519, 585, 651, 716, 781, 845, 909, 1173, 1239, 1306, 1371, 1436,
    ];
    const third = [2389, 2450, 2507];
    const clusters = [first, second, third].map((times) =>
      cluster(
        times[0]!,
        times.map((ms, i) => simpleBlock(1, ms - times[0]!, i === 0)),
      ),
    );
    const r = fragmentAll([stream([V], clusters)]);
    t.same(starts(r.fragments), [0, 1145, 2389], 'one fragment per keyframe, none lost');
    const [a, b] = r.fragments.map((f) => blocksOf(f).map((x) => x.timeMs - BASE));
    t.equal(b!.length, second.length, 'every frame of the second fragment is kept');
    t.ok(
      b!.every((ms) => ms > Math.max(...a!)),
      `every frame of the second fragment is after the first fragment's last (${Math.max(...a!)} ms)`,
    );
    t.same(b!.slice(0, 3), [1145, 1204, 1263], 'frames in order keep their time');
    t.same(b!.slice(13), [1173, 1239, 1306, 1371, 1436], 'frames after the step keep their time');
    t.equal(r.stats.retimedBlocks, 10, 'the ten frames behind the first fragment were moved');
    t.same(
      r.warnings.map((w) => w.code),
      ['CLOCK_STEPPED_BACK'],
      'one warning',
    );
  },
);

t.test('a clock reset further back than 5 s is not squeezed: those frames keep their time', async (t) => {
  const clusters = [
    cluster(
      10_000,
      [0, 200, 400, 600, 800, 1000, 1200].map((ms, i) => simpleBlock(1, ms, i === 0)),
    ),
    cluster(11_400, [simpleBlock(1, 0, true), simpleBlock(1, 200, false), simpleBlock(1, -8400, false)]),
  ];
  const r = fragmentAll([stream([V], clusters)]);
  t.same(
    blocksOf(r.fragments[1]!).map((x) => x.timeMs - BASE),
    [11_400, 11_600, 3000],
    'the frame 8.2 s behind keeps its time',
  );
  t.equal(r.stats.retimedBlocks, 0);
  t.same(r.warnings, []);
});

t.test('B-frames of an open GOP (decode order, times before their keyframe) keep their times', async (t) => {
  // Decode order per 1.2 s GOP at T: I(T), leading B(T-200), B(T-100) of the previous GOP's tail, then
  // P(T+300) B(T+100) B(T+200) P(T+600) B(T+400) B(T+500) P(T+900) B(T+700) B(T+800).
  const order = (T: number) => [
    T,
    ...(T > 0 ? [T - 200, T - 100] : []),
    T + 300,
    T + 100,
    T + 200,
    T + 600,
    T + 400,
    T + 500,
    T + 900,
    T + 700,
    T + 800,
  ];
  const clusters = [0, 1200, 2400].map((T) =>
    cluster(
      T,
      order(T).map((ms, i) => simpleBlock(1, ms - T, i === 0)),
    ),
  );
  const r = fragmentAll([stream([V], clusters)]);
  t.same(
    r.fragments.map((f) => blocksOf(f).map((b) => b.timeMs - BASE)),
    [order(0), order(1200), order(2400)],
    'every block keeps its time and its place',
  );
  t.equal(r.stats.retimedBlocks, 0);
});
