import t, { type Test } from 'tap';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createLogger, SecretRegistry } from '../../src/log/index.js';
import { startSecretsManagerService } from '@kvs-edge/localcloud';
import { createSecretsClient, RtspUrlResolver, SecretError } from '../../src/secrets/index.js';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

async function setup(t: Test) {
  const service = await startSecretsManagerService();
  t.teardown(() => service.stop());
  const client = createSecretsClient({
    endpoint: service.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  const registry = new SecretRegistry();
  const lines: string[] = [];
  const log = createLogger({
    level: 'debug',
    secrets: registry,
    destination: { write: (l: string) => lines.push(l) },
  });
  const sleeps: number[] = [];
  const resolver = new RtspUrlResolver({
    client,
    secrets: registry,
    log,
    retry: {
      attempts: 3,
      backoff: { baseMs: 100, capMs: 30_000 },
      sleep: async (ms) => void sleeps.push(ms),
    },
  });
  const create = async (name: string, secretString: string) =>
    (await client.send(new CreateSecretCommand({ Name: name, SecretString: secretString }))).ARN ?? '';
  return { service, client, registry, resolver, lines, log, sleeps, create };
}

t.test('reads RTSPStreamURL (any key case) and masks the password in logs', async (t) => {
  const { resolver, create, log, lines, registry } = await setup(t);
  const arn = await create(
    'CameraSecret-1',
    JSON.stringify({ rtspStreamUrl: 'rtsp://admin:p%40ss-word9@10.0.0.5:554/cam' }),
  );
  const url = await resolver.resolve(arn);
  t.equal(url, 'rtsp://admin:p%40ss-word9@10.0.0.5:554/cam');
  log.info({ note: 'the password is p@ss-word9 and p%40ss-word9' }, 'careless line');
  const out = lines.join('');
  t.notMatch(out, /p@ss-word9|p%40ss-word9/);
  t.match(out, /the password is \*\*\* and \*\*\*/);
  t.equal(registry.scrub('x p@ss-word9 y'), 'x *** y');
});

t.test('reads by name and follows a rotation', async (t) => {
  const { resolver, create, client } = await setup(t);
  await create('cam-by-name', JSON.stringify({ RTSPStreamURL: 'rtsp://u:first-pass@127.0.0.1:8554/cam' }));
  t.equal(await resolver.resolve('cam-by-name'), 'rtsp://u:first-pass@127.0.0.1:8554/cam');
  await client.send(
    new PutSecretValueCommand({
      SecretId: 'cam-by-name',
      SecretString: JSON.stringify({ RTSPStreamURL: 'rtsp://u:second-pass@127.0.0.1:8554/cam' }),
    }),
  );
  t.equal(await resolver.resolve('cam-by-name'), 'rtsp://u:second-pass@127.0.0.1:8554/cam');
});

t.test('content problems: clear codes, the secret never quoted', async (t) => {
  const { resolver, create, registry } = await setup(t);
  const cases: [string, string, SecretError['code']][] = [
    ['not-json', 'hunter2-plain-password', 'SECRET_NOT_JSON'],
    ['json-array', '["hunter3-in-array"]', 'SECRET_NOT_JSON'],
    ['no-key', JSON.stringify({ url: 'rtsp://a:hunter4-other-key@h/x' }), 'SECRET_KEY_MISSING'],
    ['not-rtsp', JSON.stringify({ RTSPStreamURL: 'http://a:hunter5-http@h/x' }), 'SECRET_NOT_RTSP'],
    ['not-url', JSON.stringify({ RTSPStreamURL: 'hunter6-garbage' }), 'SECRET_NOT_RTSP'],
  ];
  for (const [name, value, code] of cases) {
    const arn = await create(name, value);
    const err = await resolver.resolve(arn).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof SecretError, name);
    const e = err as SecretError;
    t.equal(e.code, code, name);
    t.equal(e.retriable, false);
    t.match(e.message, arn, 'message names the secret');
    t.notMatch(e.message, /hunter\d/, 'message never quotes the secret');
  }
  t.equal(registry.scrub('hunter2-plain-password hunter4-other-key hunter5-http'), '*** *** ***');
});

t.test('missing secret fails at once; transient failures are retried with backoff', async (t) => {
  const { resolver, create, service, sleeps, lines } = await setup(t);
  const missing = await resolver
    .resolve('arn:aws:secretsmanager:us-east-1:123456789012:secret:nope')
    .catch((e: unknown) => e);
  t.equal((missing as SecretError).code, 'SECRET_NOT_FOUND');
  t.same(sleeps, [], 'no retry for a missing secret');

  const arn = await create('flaky', JSON.stringify({ RTSPStreamURL: 'rtsp://u:flaky-pass@h:554/x' }));
  service.faults.fail('GetSecretValue', { code: 'InternalServiceError', status: 500, times: 2 });
  t.equal(await resolver.resolve(arn), 'rtsp://u:flaky-pass@h:554/x');
  t.equal(sleeps.length, 2, 'two retries');
  t.ok(sleeps[0]! >= 50 && sleeps[0]! <= 100 && sleeps[1]! >= 100 && sleeps[1]! <= 200, `backoff ${sleeps}`);
  t.match(lines.join(''), /reading the camera secret failed/);

  service.faults.fail('GetSecretValue', { code: 'ThrottlingException', status: 400 });
  const err = (await resolver.resolve(arn).catch((e: unknown) => e)) as SecretError;
  t.equal(err.code, 'SECRET_UNREADABLE');
  t.equal(err.retriable, true);
  t.match(err.message, /ThrottlingException/);
  t.equal(sleeps.length, 4, 'gave up after 3 attempts');
});

t.test('an aborted lookup stops retrying', async (t) => {
  const service = await startSecretsManagerService();
  t.teardown(() => service.stop());
  const client = createSecretsClient({
    endpoint: service.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  const resolver = new RtspUrlResolver({
    client,
    secrets: new SecretRegistry(),
    retry: { attempts: 10, backoff: { baseMs: 60_000, capMs: 60_000 } },
  });
  service.faults.fail('GetSecretValue', { code: 'InternalServiceError', status: 500 });
  const controller = new AbortController();
  const pending = resolver.resolve('any', controller.signal);
  setImmediate(() => controller.abort(new Error('stopping')));
  await t.rejects(pending, /stopping|abort/i);
});
