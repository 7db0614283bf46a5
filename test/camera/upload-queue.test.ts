// The camera's one queue of upload jobs: overlapping or touching jobs merge, order is by time, and
// it stays bounded.
import t from 'tap';
import { UploadQueue } from '../../src/camera/index.js';

t.test('the upload queue merges overlaps, keeps order and stays bounded', async (t) => {
  const q = new UploadQueue(2);
  t.ok(q.add({ startMs: 100, endMs: 200, origin: 'backfill' }));
  t.ok(q.add({ startMs: 10, endMs: 20, origin: 'historical' }));
  t.ok(q.add({ startMs: 150, endMs: 300, origin: 'backfill' }), 'merges into the first');
  t.equal(q.size, 2);
  t.notOk(q.add({ startMs: 500, endMs: 600, origin: 'historical' }), 'full');
  t.ok(q.add({ startMs: 20, endMs: 100, origin: 'backfill' }), 'a bridge merges everything into one');
  t.same(q.shift(), { startMs: 10, endMs: 300, origin: 'historical' }, 'a user waits for part of it');
  t.equal(q.shift(), undefined);
  q.add({ startMs: 1, endMs: 2, origin: 'backfill' });
  t.equal(q.clear(), 1, 'clear drops what waits');
  t.equal(q.size, 0);
});
