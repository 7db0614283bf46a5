import t from 'tap';
import { createLogger, cameraLogger, redactUrl, SecretRegistry } from '../../src/log/index.js';

function collect() {
  const lines: string[] = [];
  return { lines, destination: { write: (l: string) => lines.push(l) } };
}

t.test('redactUrl hides the password of any URL, also inside text', async (t) => {
  t.equal(redactUrl('rtsp://admin:s3cret@10.0.0.5:554/h264'), 'rtsp://admin:***@10.0.0.5:554/h264');
  t.equal(
    redactUrl('failed rtsp://u:p%40ss@cam/x and http://a:b@c'),
    'failed rtsp://u:***@cam/x and http://a:***@c',
  );
  t.equal(redactUrl('rtsp://user@cam/stream'), 'rtsp://user@cam/stream', 'no password, nothing to hide');
  t.equal(redactUrl('rtsp://cam:554/stream'), 'rtsp://cam:554/stream', 'a port is not a password');
});

t.test('the sink masks URL passwords and registered secrets in every line', async (t) => {
  const { lines, destination } = collect();
  const secrets = new SecretRegistry();
  secrets.add('p"ss:w/rd#1');
  secrets.add('ab'); // too short to mask safely: ignored
  const log = createLogger({ destination, secrets, level: 'debug' });
  log.info({ url: 'rtsp://admin:hunter22@cam/1' }, 'connecting');
  log.error(new Error('auth failed with p"ss:w/rd#1'), 'camera said no');
  log.debug('encoded %s', encodeURIComponent('p"ss:w/rd#1'));
  const all = lines.join('');
  t.notMatch(all, /hunter22/);
  t.notMatch(all, /w\/rd#1/);
  t.notMatch(all, /w%2Frd%231/);
  t.match(all, /rtsp:\/\/admin:\*\*\*@cam\/1/);
  t.equal(lines.length, 3);
  t.equal(JSON.parse(lines[1]!).level, 'error');
});

t.test('levels come from configuration and camera loggers carry the camera id', async (t) => {
  const { lines, destination } = collect();
  const log = createLogger({ destination, level: 'warn' });
  const cam = cameraLogger(log, 'asset-1', 'stream-a');
  cam.info('hidden');
  cam.warn('shown');
  t.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!);
  t.equal(line.cameraId, 'asset-1');
  t.equal(line.stream, 'stream-a');
  t.equal(line.msg, 'shown');
  cameraLogger(log, 'asset-2').error('x');
  t.equal(JSON.parse(lines[1]!).cameraId, 'asset-2');
  t.notOk('stream' in JSON.parse(lines[1]!));
});

t.test('pretty: a person reads one line per event with its fields, still without secrets', async (t) => {
  const { lines, destination } = collect();
  const log = createLogger({ destination, pretty: true });
  cameraLogger(log, 'asset-1', 'front').warn({ url: 'rtsp://admin:hunter22@cam/1' }, 'camera restarting');
  t.equal(lines.length, 1);
  t.match(lines[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: camera restarting\n/);
  t.match(lines[0], /cameraId: "asset-1"/);
  t.match(lines[0], /rtsp:\/\/admin:\*\*\*@cam\/1/);
  t.notMatch(lines[0], /hunter22/);
  const json = collect();
  createLogger({ destination: json.destination }).info('plain');
  t.equal(JSON.parse(json.lines[0]!).msg, 'plain', 'a given destination gets JSON unless asked');
});
