import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startSecretsManagerService } from '../src/secrets/index.js';

const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' };

async function start(t: { teardown(fn: () => unknown): void }, stateDir?: string) {
  const service = await startSecretsManagerService(stateDir === undefined ? {} : { stateDir });
  t.teardown(() => service.stop());
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: service.endpoint,
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  return { service, client };
}

t.test('create, read by name and ARN, rotate with PutSecretValue', async (t) => {
  const { client } = await start(t);
  const created = await client.send(
    new CreateSecretCommand({ Name: 'cam1', SecretString: '{"RTSPStreamURL":"rtsp://u:p@h/cam"}' }),
  );
  t.match(created.ARN, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:cam1-[0-9a-f]{6}$/);
  const byName = await client.send(new GetSecretValueCommand({ SecretId: 'cam1' }));
  t.equal(byName.SecretString, '{"RTSPStreamURL":"rtsp://u:p@h/cam"}');
  t.same(byName.VersionStages, ['AWSCURRENT']);
  t.type(byName.CreatedDate, Date);
  const byArn = await client.send(
    new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSCURRENT' }),
  );
  t.equal(byArn.VersionId, created.VersionId);

  const put = await client.send(new PutSecretValueCommand({ SecretId: 'cam1', SecretString: 'v2' }));
  t.same(put.VersionStages, ['AWSCURRENT']);
  t.equal((await client.send(new GetSecretValueCommand({ SecretId: 'cam1' }))).SecretString, 'v2');
  const previous = await client.send(
    new GetSecretValueCommand({ SecretId: 'cam1', VersionStage: 'AWSPREVIOUS' }),
  );
  t.equal(previous.SecretString, '{"RTSPStreamURL":"rtsp://u:p@h/cam"}');
  const byVersion = await client.send(
    new GetSecretValueCommand({ SecretId: 'cam1', VersionId: put.VersionId }),
  );
  t.equal(byVersion.SecretString, 'v2');

  const binary = await client.send(
    new CreateSecretCommand({ Name: 'bin', SecretBinary: new Uint8Array([1, 2, 255]) }),
  );
  const got = await client.send(new GetSecretValueCommand({ SecretId: binary.Name }));
  t.same([...(got.SecretBinary ?? [])], [1, 2, 255]);
});

t.test('errors come back as the SDK exception classes', async (t) => {
  const { client, service } = await start(t);
  const missing = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
  t.ok(missing instanceof ResourceNotFoundException, 'ResourceNotFoundException');
  t.equal((missing as Error).message, "Secrets Manager can't find the specified secret.");
  await client.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'x' }));
  const dup = await client
    .send(new CreateSecretCommand({ Name: 'dup', SecretString: 'y' }))
    .catch((e: unknown) => e);
  t.ok(dup instanceof ResourceExistsException, 'ResourceExistsException');
  await t.rejects(client.send(new PutSecretValueCommand({ SecretId: 'nope', SecretString: 'x' })), {
    name: 'ResourceNotFoundException',
  });
  await t.rejects(client.send(new GetSecretValueCommand({ SecretId: 'dup', VersionStage: 'AWSPENDING' })), {
    name: 'ResourceNotFoundException',
    message: /staging label: AWSPENDING/,
  });
  await client.send(new CreateSecretCommand({ Name: 'empty' }));
  await t.rejects(client.send(new GetSecretValueCommand({ SecretId: 'empty' })), {
    name: 'ResourceNotFoundException',
  });
  await t.rejects(client.send(new CreateSecretCommand({ Name: 'bad name!' })), {
    name: 'InvalidParameterException',
  });
  await t.rejects(
    client.send(
      new PutSecretValueCommand({ SecretId: 'dup', SecretString: 'a', SecretBinary: new Uint8Array(1) }),
    ),
    { name: 'InvalidParameterException' },
  );
  const token = '11111111-2222-3333-4444-555555555555';
  await client.send(
    new PutSecretValueCommand({ SecretId: 'dup', SecretString: 'z', ClientRequestToken: token }),
  );
  // A retry with the same token and value is fine; a different value with that token is not.
  await client.send(
    new PutSecretValueCommand({ SecretId: 'dup', SecretString: 'z', ClientRequestToken: token }),
  );
  await t.rejects(
    client.send(new PutSecretValueCommand({ SecretId: 'dup', SecretString: 'w', ClientRequestToken: token })),
    { name: 'ResourceExistsException' },
  );
  service.faults.fail('GetSecretValue', { code: 'InternalServiceError', status: 500, times: 1 });
  await t.rejects(client.send(new GetSecretValueCommand({ SecretId: 'dup' })), {
    name: 'InternalServiceError',
  });
  t.equal((await client.send(new GetSecretValueCommand({ SecretId: 'dup' }))).SecretString, 'z');
  const unknown = await fetch(service.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': 'secretsmanager.DeleteSecret' },
    body: '{}',
  });
  t.equal(unknown.status, 400);
  t.match(await unknown.json(), { __type: 'UnknownOperationException' });
});

t.test('secrets survive a restart when a state folder is given', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startSecretsManagerService({ stateDir: dir });
  const c1 = new SecretsManagerClient({ region: 'us-east-1', endpoint: first.endpoint, credentials });
  const created = await c1.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'value' }));
  c1.destroy();
  await first.stop();
  const { client } = await start(t, dir);
  const got = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
  t.equal(got.SecretString, 'value');
});
