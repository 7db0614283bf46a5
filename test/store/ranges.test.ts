import t from 'tap';
import { covers, normalize, overlaps, subtract } from '../../src/store/ranges.js';
import { isValidCameraId, parseSegmentName, segmentName } from '../../src/store/naming.js';

const r = (startMs: number, endMs: number) => ({ startMs, endMs });

t.test('normalize sorts, merges overlaps and joins gaps up to the tolerance', async (t) => {
  t.same(normalize([r(10, 20), r(0, 5), r(5, 8), r(30, 30), r(40, 35)]), [r(0, 8), r(10, 20)]);
  t.same(normalize([r(0, 10), r(12, 20), r(23, 30)], 2), [r(0, 20), r(23, 30)], 'gap 2 joins, gap 3 not');
  t.same(normalize([r(0, 100), r(10, 20)]), [r(0, 100)], 'contained range disappears');
});

t.test('covers and subtract answer persisted / not uploaded questions', async (t) => {
  const have = [r(0, 10), r(20, 30)];
  t.ok(covers(have, 0, 10));
  t.ok(covers(have, 22, 25));
  t.notOk(covers(have, 5, 25), 'a hole in the middle');
  t.ok(covers(have, 7, 7), 'an empty range is trivially covered');
  t.same(subtract([r(0, 40)], have), [r(10, 20), r(30, 40)]);
  t.same(subtract([r(0, 10)], have), []);
  t.same(subtract([r(-5, 5), r(8, 25)], [r(0, 10), r(20, 30)]), [r(-5, 0), r(10, 20)]);
  t.same(subtract([r(0, 10)], [r(0, 9)], 2), [], 'slivers shorter than minLength vanish');
  t.ok(overlaps(0, 10, 9, 20));
  t.notOk(overlaps(0, 10, 10, 20), 'half-open: touching is not overlapping');
});

t.test('file names follow the AWS component', async (t) => {
  t.equal(segmentName(1700000000123.7), 'video_1700000000123.mkv');
  t.same(parseSegmentName('video_1700000000123.mkv'), { startMs: 1700000000123, uploaded: false });
  t.same(parseSegmentName('video_1700000000123_uploaded.mkv'), { startMs: 1700000000123, uploaded: true });
  t.equal(parseSegmentName('video_12.mkv.tmp'), undefined);
  t.equal(parseSegmentName('video_.mkv'), undefined);
  t.equal(parseSegmentName('.uploaded-ranges.json'), undefined);
  t.ok(isValidCameraId('a1b2c3d4-0000-4000-8000-123456789abc'));
  for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'a..b']) t.notOk(isValidCameraId(bad), bad);
});
