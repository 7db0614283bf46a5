// The EBML layer on its own: vints of every width, unknown sizes, IDs of 1-4 bytes, errors, and the
// streaming reader over arbitrary chunk boundaries and truncated tails.
import t from 'tap';
import {
  children,
  EbmlStreamReader,
  element,
  encodeId,
  encodeSize,
  ID,
  MkvError,
  readFloat,
  readId,
  readInt,
  readSize,
  sizeWidth,
  uintElement,
  UNKNOWN_SIZE,
  vintWidth,
  type EbmlEvent,
} from '../../src/mkv/index.js';
import { chunked } from './helpers.js';

t.test('size vints of every width round-trip, including the largest value of each width', async (t) => {
  for (let w = 1; w <= 8; w++) {
    const max = Math.min(2 ** (7 * w) - 2, Number.MAX_SAFE_INTEGER);
    for (const v of [0, 1, 126, max]) {
      if (v > max) continue;
      const enc = encodeSize(v, w);
      t.equal(enc.length, w);
      t.equal(vintWidth(enc[0]!), w);
      t.same(readSize(enc, 0), { value: v, length: w }, `width ${w} value ${v}`);
    }
  }
  t.equal(sizeWidth(126), 1);
  t.equal(sizeWidth(127), 2, '127 in one byte would be the all-ones "unknown" pattern');
  t.equal(encodeSize(127).toString('hex'), '407f');
  t.throws(() => encodeSize(127, 1), RangeError);
});

t.test('all-ones sizes of every width are unknown', async (t) => {
  for (let w = 1; w <= 8; w++) {
    const b = Buffer.alloc(w, 0xff);
    b[0] = (0xff >> (w - 1)) & 0xff;
    t.same(readSize(b, 0), { value: undefined, length: w }, `width ${w}`);
  }
  t.same(readSize(UNKNOWN_SIZE, 0), { value: undefined, length: 8 });
});

t.test('IDs of 1-4 bytes; invalid first bytes name the offset', async (t) => {
  for (const id of [ID.SimpleBlock, ID.SegmentUID, ID.DefaultDuration, ID.Cluster, 0x4286]) {
    const enc = encodeId(id);
    t.same(readId(enc, 0), { id, length: enc.length });
  }
  t.equal(encodeId(ID.Segment).toString('hex'), '18538067');
  const bad = t.throws(() => readId(Buffer.from([0x00]), 0, 100)) as unknown as MkvError;
  t.equal(bad.code, 'INVALID_ID');
  t.match(bad.message, /at byte 100/);
  t.equal(
    (t.throws(() => readId(Buffer.from([0x08, 1, 2, 3, 4]), 0)) as unknown as MkvError).code,
    'INVALID_ID',
  );
  t.equal((t.throws(() => readSize(Buffer.from([0x00, 1]), 0)) as unknown as MkvError).code, 'INVALID_VINT');
  t.equal(readId(Buffer.from([0x1a, 0x45]), 0), undefined, 'partial ID waits for more bytes');
  t.equal(readSize(Buffer.from([0x01, 0xff]), 0), undefined, 'partial size waits for more bytes');
  t.equal(readId(Buffer.alloc(0), 0), undefined);
});

t.test('typed payload readers', async (t) => {
  const f4 = Buffer.alloc(4);
  f4.writeFloatBE(48000, 0);
  t.equal(readFloat(f4), 48000);
  t.equal(readFloat(Buffer.alloc(0)), 0);
  t.equal(readInt(Buffer.from([0xff, 0xfe])), -2);
  t.equal(readInt(Buffer.alloc(0)), 0);
});

// A stream with every kind of element: whole, skipped, known- and unknown-size masters, 8-byte sizes.
function sample(): Buffer {
  const wideSize = Buffer.concat([encodeId(ID.Timecode), encodeSize(1, 8), Buffer.from([5])]);
  return Buffer.concat([
    element(ID.EBML, [uintElement(ID.EBMLVersion, 1)]),
    encodeId(ID.Segment),
    UNKNOWN_SIZE,
    element(ID.Void, Buffer.alloc(300)),
    element(ID.Info, [uintElement(ID.TimecodeScale, 1_000_000)]),
    encodeId(ID.Cluster),
    UNKNOWN_SIZE,
    wideSize,
    element(ID.SimpleBlock, Buffer.alloc(1000, 1)),
    element(ID.Cluster, [uintElement(ID.Timecode, 9), element(ID.SimpleBlock, Buffer.alloc(20, 2))]),
    element(ID.Tags, Buffer.alloc(5)),
  ]);
}

function readAll(chunks: Buffer[]): { events: string[]; truncatedBytes: number } {
  const events: string[] = [];
  const r = new EbmlStreamReader({
    masters: new Set([ID.Segment, ID.Cluster]),
    skip: new Set([ID.Void, ID.Tags]),
    onEvent: (e: EbmlEvent) =>
      events.push(
        e.kind === 'element'
          ? `el ${e.id.toString(16)}@${e.offset} ${e.data.length}:${e.data[0] ?? ''}`
          : e.kind === 'end'
            ? `end ${e.id.toString(16)}@${e.offset} ${e.complete}`
            : `${e.kind} ${e.id.toString(16)}@${e.offset}`,
      ),
  });
  for (const c of chunks) r.push(c);
  return { events, truncatedBytes: r.end().truncatedBytes };
}

t.test(
  'reader: same events for every chunking, unknown-size cluster closed by the next cluster',
  async (t) => {
    const data = sample();
    const whole = readAll([data]);
    t.equal(whole.truncatedBytes, 0);
    t.match(
      whole.events.join('\n'),
      /start 1f43b675@\d+\nel e7@\d+ 1:5\nel a3@\d+ 1000:1\nend 1f43b675@\d+ true\nstart 1f43b675/,
    );
    t.ok(whole.events.includes('skipped ec@21'), 'Void skipped, not delivered');
    t.ok(whole.events.at(-1)!.startsWith('end 18538067'), 'segment of unknown size ends at EOF');
    for (const size of [1, 2, 3, 7, 64, 999])
      t.same(readAll(chunked(data, size)), whole, `chunks of ${size}`);
  },
);

t.test('reader: truncated tails report the leftover bytes and incomplete masters', async (t) => {
  const data = sample();
  let lastTrunc = -1;
  for (let cut = 0; cut < data.length; cut += 37) {
    const r = readAll(chunked(data.subarray(0, cut), 100));
    const ends = r.events.filter((e) => e.startsWith('end'));
    if (r.truncatedBytes > 0) t.ok(ends.every((e) => !e.endsWith('true') || !e.includes('18538067')));
    lastTrunc = r.truncatedBytes;
  }
  t.ok(lastTrunc >= 0);
  const r = readAll([data.subarray(0, data.length - 3)]);
  t.ok(r.truncatedBytes > 0);
});

t.test('reader: bad input and size limits throw MkvError with a code', async (t) => {
  const mk = (max?: number) =>
    new EbmlStreamReader({
      masters: new Set([ID.Segment]),
      onEvent: () => {},
      ...(max ? { maxElementBytes: max } : {}),
    });
  t.throws(() => mk().push(Buffer.from([0x00, 0x81, 0x00])), { code: 'INVALID_ID' });
  t.throws(() => mk(10).push(element(ID.Info, Buffer.alloc(50))), { code: 'ELEMENT_TOO_LARGE' });
  t.throws(() => mk().push(Buffer.concat([encodeId(ID.Info), UNKNOWN_SIZE])), {
    code: 'UNKNOWN_SIZE_NOT_ALLOWED',
  });
  t.throws(() => [...children(Buffer.from([0xe7, 0x85, 1]))], { code: 'INVALID_BLOCK' });
  const r = mk();
  r.push(Buffer.alloc(0));
  t.equal(r.bufferedBytes, 0);
  r.push(element(ID.Info, Buffer.alloc(50)).subarray(0, 20));
  t.equal(r.bufferedBytes, 20, 'holds the partial element only');
  t.equal(r.position, 0);
});
