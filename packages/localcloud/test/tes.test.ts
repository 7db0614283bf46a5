import t from 'tap';
import { fromContainerMetadata, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CredentialAuthority, startTokenExchangeService } from '../src/tes/index.js';

function withEnv(t: { teardown(fn: () => void): void }, env: Record<string, string | undefined>): void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

t.test('the default chain gets expiring credentials and refreshes them', async (t) => {
  const tes = await startTokenExchangeService();
  t.teardown(() => tes.stop());
  // Shorter than the SDK's refresh margin, so every use asks again.
  tes.authority.sessionLifetimeMs = 2000;
  withEnv(t, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: tes.credentialsUri,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: tes.authToken,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  });
  const provider = fromNodeProviderChain();
  const first = await provider();
  t.match(first.accessKeyId, /^ASIALOCAL/);
  t.ok(first.sessionToken);
  t.ok(first.expiration && first.expiration.getTime() - Date.now() <= 2000, 'short expiry reaches the SDK');
  const found = tes.authority.find(first.accessKeyId);
  t.equal(found?.secretAccessKey, first.secretAccessKey);
  t.equal(found?.sessionToken, first.sessionToken);
  // The chain refreshes credentials near expiry in the background and hands out the new pair once it
  // has it: poll until it does.
  const deadline = Date.now() + 3000;
  let second = await provider();
  while (second.accessKeyId === first.accessKeyId && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    second = await provider();
  }
  t.not(second.accessKeyId, first.accessKeyId, 'expiring credentials were refreshed');
  t.ok(tes.requests >= 2);
  t.equal(tes.authority.find(second.accessKeyId)?.secretAccessKey, second.secretAccessKey);
});

t.test('a wrong authorization token is refused with 403', async (t) => {
  const tes = await startTokenExchangeService({ authToken: 'right' });
  t.teardown(() => tes.stop());
  const res = await fetch(tes.credentialsUri, { headers: { authorization: 'wrong' } });
  t.equal(res.status, 403);
  withEnv(t, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: tes.credentialsUri,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong',
  });
  await t.rejects(fromContainerMetadata({ maxRetries: 0, timeout: 1000 })());
  t.equal(tes.requests, 0);
  t.equal((await fetch(tes.endpoint + '/other')).status, 404);
});

t.test('fromContainerMetadata works, and an injected fault fails the next request', async (t) => {
  const tes = await startTokenExchangeService();
  t.teardown(() => tes.stop());
  withEnv(t, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: tes.credentialsUri,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: tes.authToken,
  });
  const c = await fromContainerMetadata()();
  t.match(c.accessKeyId, /^ASIALOCAL/);
  tes.faults.fail('GetCredentials', { code: 'InternalFailure', times: 1 });
  const res = await fetch(tes.credentialsUri, { headers: { authorization: tes.authToken } });
  t.equal(res.status, 500);
  const again = await fetch(tes.credentialsUri, { headers: { authorization: tes.authToken } });
  t.equal(again.status, 200);
});

t.test('the static pair never expires and unknown keys are not found', async (t) => {
  const authority = new CredentialAuthority({ sessionLifetimeMs: 10 });
  t.equal(authority.find(authority.static.accessKeyId), authority.static);
  t.ok(authority.static.expiresAt > Date.now() + 365 * 24 * 3600 * 1000);
  t.equal(authority.find('AKIAUNKNOWN'), undefined);
  const c = authority.issue();
  t.ok(c.expiresAt <= Date.now() + 10);
});
