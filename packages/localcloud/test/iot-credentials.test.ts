// The AWS IoT credentials provider stand-in answers an mTLS request from a certificate its CA signed
// with role credentials the other services accept, and refuses strangers and unknown role aliases.
import t from 'tap';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startIotCredentialsProvider } from '../src/tes/index.js';
import { createTestPki } from '../src/testkit/pki.js';

function get(endpoint: string, urlPath: string, cert: Buffer, key: Buffer, ca: Buffer) {
  const [host, port] = endpoint.split(':');
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      { host, port: Number(port), path: urlPath, cert, key, ca, headers: { 'x-amzn-iot-thingname': 'gw-1' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

t.test('credentials for a known certificate and role alias, refusals otherwise', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'iot-cred-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await createTestPki(dir);
  const [ca, cert, key, deviceCert, deviceKey, strangerCert, strangerKey] = await Promise.all(
    [
      pki.caCert,
      pki.serverCert,
      pki.serverKey,
      pki.deviceCert,
      pki.deviceKey,
      pki.strangerCert,
      pki.strangerKey,
    ].map((f) => readFile(f)),
  );
  const provider = await startIotCredentialsProvider({
    ca: ca!,
    cert: cert!,
    key: key!,
    roleAliases: ['edge-alias'],
  });
  t.teardown(() => provider.stop());

  const ok = await get(
    provider.endpoint,
    '/role-aliases/edge-alias/credentials',
    deviceCert!,
    deviceKey!,
    ca!,
  );
  t.equal(ok.status, 200, 'the device certificate gets credentials');
  const c = JSON.parse(ok.body).credentials;
  t.ok(provider.authority.find(c.accessKeyId), 'issued by the authority the other services check');
  t.ok(Date.parse(c.expiration) > Date.now(), 'with an expiration in the future');
  t.same(provider.things, ['gw-1'], 'the thing name header is recorded');

  const unknown = await get(
    provider.endpoint,
    '/role-aliases/other/credentials',
    deviceCert!,
    deviceKey!,
    ca!,
  );
  t.equal(unknown.status, 403, 'an unknown role alias is refused');
  const wrongPath = await get(provider.endpoint, '/credentials', deviceCert!, deviceKey!, ca!);
  t.equal(wrongPath.status, 404, 'an unknown path is not found');
  await t.rejects(
    get(provider.endpoint, '/role-aliases/edge-alias/credentials', strangerCert!, strangerKey!, ca!),
    'a certificate the CA did not sign fails the TLS handshake',
  );
});
