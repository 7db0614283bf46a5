// The one set of range operations: what "recorded", "persisted" and "not uploaded yet" mean to the
// store, the uploader and the camera's job queue.
import t from 'tap';
import { covers, joins, normalize, subtract } from '../../src/time/index.js';

const r = (startMs: number, endMs: number) => ({ startMs, endMs });

t.test('normalize sorts, merges overlaps and joins gaps up to the tolerance', async (t) => {
  t.same(normalize([r(10, 20), r(0, 5), r(5, 8), r(30, 30), r(40, 35)]), [r(0, 8), r(10, 20)]);
  t.same(normalize([r(0, 10), r(12, 20), r(23, 30)], 2), [r(0, 20), r(23, 30)], 'gap 2 joins, gap 3 not');
  t.same(normalize([r(0, 100), r(10, 20)]), [r(0, 100)], 'contained range disappears');
});

t.test('covers: every instant inside one range; an empty range is its instant', async (t) => {
  const have = [r(0, 10), r(20, 30), r(40, 50)];
  t.ok(covers(have, 0, 10), 'a whole range');
  t.ok(covers(have, 22, 25), 'inside a range');
  t.ok(covers(have, 40, 50), 'the last range, found by the search');
  t.notOk(covers(have, 5, 25), 'a hole in the middle');
  t.notOk(covers(have, 25, 31), 'running past the end');
  t.notOk(covers([], 0, 1), 'nothing covers nothing');
  t.ok(covers(have, 7, 7), 'an empty range inside a range is covered');
  t.notOk(covers(have, 15, 15), 'an empty range in a hole is not: a zero-length fragment still has a frame');
  t.notOk(covers(have, 10, 10), 'nor one at a range end (half-open)');
  t.ok(covers(have, 20, 20), 'but one at a range start is');
  const many = Array.from({ length: 1000 }, (_, i) => r(i * 10, i * 10 + 5));
  t.ok(covers(many, 5551, 5554));
  t.notOk(covers(many, 5555, 5556));
});

t.test('subtract leaves what is not covered; joins says two ranges form one', async (t) => {
  const have = [r(0, 10), r(20, 30)];
  t.same(subtract([r(0, 40)], have), [r(10, 20), r(30, 40)]);
  t.same(subtract([r(0, 10)], have), []);
  t.same(subtract([r(-5, 5), r(8, 25)], [r(0, 10), r(20, 30)]), [r(-5, 0), r(10, 20)]);
  t.same(subtract([r(0, 10)], [r(0, 9)], 2), [], 'slivers shorter than minLength vanish');
  t.ok(joins(r(0, 10), r(5, 20)), 'overlapping');
  t.ok(joins(r(0, 10), r(10, 20)), 'touching');
  t.notOk(joins(r(0, 10), r(11, 20)), 'a gap');
});
