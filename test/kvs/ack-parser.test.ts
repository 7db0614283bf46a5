import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { AckParser, type Ack } from '../../src/kvs/index.js';

const NUM = '91343852333181432392682062630323733553436853452';
const stream =
  `{"EventType":"BUFFERING","FragmentTimecode":1700000000000,"FragmentNumber":"${NUM}"}` +
  `{"EventType":"RECEIVED","FragmentTimecode":1700000000000,"FragmentNumber":"${NUM}"}\n` +
  `  {"EventType":"PERSISTED","FragmentTimecode":1700000000000,"FragmentNumber":"${NUM}"}` +
  `{"EventType":"IDLE"}` +
  `{"EventType":"ERROR","FragmentTimecode":1700000002000,"FragmentNumber":"${NUM}","ErrorCode":"FRAMES_MISSING_FOR_TRACK","ErrorId":4011}`;

const expected: Ack[] = [
  { eventType: 'BUFFERING', fragmentTimecode: 1700000000000, fragmentNumber: NUM },
  { eventType: 'RECEIVED', fragmentTimecode: 1700000000000, fragmentNumber: NUM },
  { eventType: 'PERSISTED', fragmentTimecode: 1700000000000, fragmentNumber: NUM },
  { eventType: 'IDLE' },
  {
    eventType: 'ERROR',
    fragmentTimecode: 1700000002000,
    fragmentNumber: NUM,
    errorCode: 'FRAMES_MISSING_FOR_TRACK',
    errorId: 4011,
  },
];

t.test('batched: several ACKs in one chunk, FragmentNumber kept as the exact string', async (t) => {
  const acks = new AckParser().push(Buffer.from(stream));
  t.same(acks, expected);
  t.equal(acks[0]?.fragmentNumber, NUM, 'all 47 digits survive');
});

t.test('split at every byte offset gives the same ACKs', async (t) => {
  const bytes = Buffer.from(stream);
  for (let i = 1; i < bytes.length; i += 1) {
    const p = new AckParser();
    const acks = [...p.push(bytes.subarray(0, i)), ...p.push(bytes.subarray(i))];
    if (!isDeepStrictEqual(acks, expected)) {
      t.fail(`split at ${i} differs`);
      return;
    }
    t.notOk(p.pending);
  }
  t.pass('every split point parsed identically');
});

t.test('one byte at a time, including a multi-byte UTF-8 character split inside a string', async (t) => {
  const text = '{"EventType":"ERROR","ErrorId":5000,"ErrorCode":"Ünïcödé } { \\" brace"}{"EventType":"IDLE"}';
  const p = new AckParser();
  const acks: Ack[] = [];
  for (const b of Buffer.from(text)) acks.push(...p.push(Buffer.from([b])));
  t.same(acks, [
    { eventType: 'ERROR', errorId: 5000, errorCode: 'Ünïcödé } { " brace' },
    { eventType: 'IDLE' },
  ]);
});

t.test('braces and escaped quotes inside strings do not end an object', async (t) => {
  const text = '{"EventType":"ERROR","ErrorId":4006,"ErrorCode":"x\\\\","Note":"{{}}\\"}"}';
  t.same(new AckParser().push(text), [{ eventType: 'ERROR', errorId: 4006, errorCode: 'x\\' }]);
  const nested = '{"EventType":"IDLE","Extra":{"a":{"b":"}"}}}';
  t.same(new AckParser().push(nested), [{ eventType: 'IDLE' }]);
});

t.test('garbage is an AckParseError naming the problem', async (t) => {
  t.throws(() => new AckParser().push('<html>'), { code: 'KVS_ACK_PARSE', message: /unexpected character/ });
  t.throws(() => new AckParser().push('{"EventType":"NOPE"}'), {
    code: 'KVS_ACK_PARSE',
    message: /EventType/,
  });
  t.throws(() => new AckParser().push('{"EventType":"IDLE",}'), {
    code: 'KVS_ACK_PARSE',
    message: /not valid JSON/,
  });
  const p = new AckParser();
  t.throws(() => p.push('{"EventType":"IDLE","x":"' + 'a'.repeat(20_000)), {
    code: 'KVS_ACK_PARSE',
    message: /longer/,
  });
});
