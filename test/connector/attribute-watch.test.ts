// AttributeWatch on its own: the watched topics follow discovery, a burst of notifications is one
// refresh, a failing subscription is reported once and retried, and close releases everything.
import t from 'tap';
import { AttributeWatch } from '../../src/connector/attribute-watch.js';
import { createLogger } from '../../src/log/index.js';

function setup(t: { teardown(fn: () => unknown): void }) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ destination: { write: (l: string) => lines.push(JSON.parse(l)) } });
  const handlers = new Map<string, () => void>();
  const refused = new Set<string>();
  const released: string[] = [];
  let changes = 0;
  let notify!: () => void;
  const watch = new AttributeWatch({
    log,
    debounceMs: 20,
    onChange: () => {
      changes++;
      notify?.();
    },
    subscribe: async (topic, onMessage) => {
      if (refused.has(topic)) throw new Error(`not authorized for ${topic}`);
      handlers.set(topic, onMessage);
      return async () => {
        handlers.delete(topic);
        released.push(topic);
      };
    },
  });
  t.teardown(() => watch.close());
  const changed = () => new Promise<void>((resolve) => (notify = resolve));
  return { watch, handlers, refused, released, lines, changes: () => changes, changed };
}

t.test('topics follow discovery; a burst of messages is one refresh', async (t) => {
  const s = setup(t);
  await s.watch.set(['a', 'b']);
  t.same(s.watch.topics.sort(), ['a', 'b']);
  await s.watch.set(['b', 'c']);
  t.same(s.watch.topics.sort(), ['b', 'c']);
  t.same(s.released, ['a'], 'a topic no longer wanted is unsubscribed');

  const once = s.changed();
  s.handlers.get('b')!();
  s.handlers.get('c')!();
  s.handlers.get('b')!();
  await once;
  t.equal(s.changes(), 1, 'three notifications, one refresh');
});

t.test('a refused subscription is reported once and retried on the next refresh', async (t) => {
  const s = setup(t);
  s.refused.add('x');
  await s.watch.set(['x']);
  await s.watch.set(['x']);
  t.same(s.watch.topics, []);
  t.equal(s.lines.filter((l) => /cannot subscribe/.test(String(l.msg))).length, 1, 'warned once');
  s.refused.delete('x');
  await s.watch.set(['x']);
  t.same(s.watch.topics, ['x'], 'subscribed once allowed');
});

t.test('close releases every topic and subscribes to nothing after', async (t) => {
  const s = setup(t);
  await s.watch.set(['a', 'b']);
  await s.watch.close();
  t.same(s.released.sort(), ['a', 'b']);
  await s.watch.set(['c']);
  t.same(s.watch.topics, [], 'nothing is subscribed after close');
});
