// The one retry policy: ceilings double from the base to the cap of their use, the wait is drawn
// from the upper half of the ceiling, and success starts again at the base.
import t from 'tap';
import { Backoff, backoffDelay, delay, RETRY_BACKOFF, UPLOAD_BACKOFF } from '../../src/time/index.js';

t.test('ceilings double from 1 s to 16 s for PutMedia and to 30 s for everything else', async (t) => {
  const top = () => 1 - Number.EPSILON;
  const seq = (policy: typeof UPLOAD_BACKOFF) =>
    [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, top));
  t.same(seq(UPLOAD_BACKOFF), [1000, 2000, 4000, 8000, 16000, 16000, 16000]);
  t.same(seq(RETRY_BACKOFF), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  t.equal(backoffDelay(0, RETRY_BACKOFF), 0, 'no failure, no wait');
  t.equal(backoffDelay(10_000, RETRY_BACKOFF, top), 30000, 'a long outage stays at the cap');
});

t.test('jitter keeps every wait within the upper half of its ceiling', async (t) => {
  t.equal(
    backoffDelay(3, RETRY_BACKOFF, () => 0),
    2000,
    'never less than half the ceiling',
  );
  const waits = Array.from({ length: 500 }, () => backoffDelay(3, RETRY_BACKOFF));
  t.ok(
    waits.every((w) => w >= 2000 && w <= 4000),
    'drawn from [2 s, 4 s]',
  );
  t.ok(new Set(waits).size > 100, 'and spread across it, so gateways do not retry in step');
});

t.test('Backoff counts failures and starts again at the base after reset', async (t) => {
  const b = new Backoff({ baseMs: 100, capMs: 400 }, () => 0);
  t.same([b.next(), b.next(), b.next(), b.next()], [50, 100, 200, 200]);
  t.equal(b.failures, 4);
  b.reset();
  t.equal(b.next(), 50);
});

t.test('delay resolves after its time and rejects at once when aborted', async (t) => {
  await delay(5);
  const controller = new AbortController();
  const waiting = delay(60_000, controller.signal);
  const began = Date.now();
  controller.abort(new Error('camera stopped'));
  await t.rejects(waiting, /camera stopped/);
  t.ok(Date.now() - began < 1000, 'did not wait out the minute');
  await t.rejects(delay(1, controller.signal), /camera stopped/, 'an aborted signal rejects at once');
});
