// Outside Greengrass the component trades the device's IoT certificate for role credentials through
// a role alias, and the AWS SDK signs with them: tested against the local cloud's credentials
// provider and its KVS, which verifies SigV4 against the credentials it issued.
import t from 'tap';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CredentialAuthority, startIotCredentialsProvider, startKvsService } from '@kvs-edge/localcloud';
import { createTestPki } from '@kvs-edge/localcloud/testkit';
import { fromIotCertificate, iotCertificateOptionsFromEnv } from '../../src/credentials/index.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'iot-cert-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await createTestPki(dir);
  const authority = new CredentialAuthority();
  const provider = await startIotCredentialsProvider({
    ca: await readFile(pki.caCert),
    cert: await readFile(pki.serverCert),
    key: await readFile(pki.serverKey),
    roleAliases: ['kvs-edge-role-alias'],
    authority,
  });
  t.teardown(() => provider.stop());
  return { pki, provider, authority };
}

t.test('KVS calls are signed with credentials from the IoT certificate', async (t) => {
  const { pki, provider, authority } = await setup(t);
  const kvs = await startKvsService({ credentials: authority });
  t.teardown(() => kvs.stop());
  const options = iotCertificateOptionsFromEnv({
    KVS_EDGE_IOT_CREDENTIALS_ENDPOINT: provider.endpoint,
    KVS_EDGE_IOT_ROLE_ALIAS: 'kvs-edge-role-alias',
    KVS_EDGE_IOT_CERT: pki.deviceCert,
    KVS_EDGE_IOT_KEY: pki.deviceKey,
    KVS_EDGE_IOT_CA: pki.caCert,
    AWS_IOT_THING_NAME: 'store-12-gateway',
  })!;
  const client = new KinesisVideoClient({
    region: 'us-east-1',
    endpoint: kvs.endpoint,
    credentials: fromIotCertificate(options),
  });
  t.teardown(() => client.destroy());
  await client.send(new CreateStreamCommand({ StreamName: 'yard', DataRetentionInHours: 24 }));
  const out = await client.send(new DescribeStreamCommand({ StreamName: 'yard' }));
  t.equal(out.StreamInfo?.StreamName, 'yard', 'the signed calls were accepted');
  t.same(provider.things, ['store-12-gateway'], 'one exchange, in the name of the thing');
});

t.test('a wrong role alias or certificate fails with a message naming it', async (t) => {
  const { pki, provider } = await setup(t);
  const base = {
    endpoint: provider.endpoint,
    thingName: 'gw',
    caPath: pki.caCert,
  };
  await t.rejects(
    fromIotCertificate({ ...base, roleAlias: 'nope', certPath: pki.deviceCert, keyPath: pki.deviceKey })(),
    /refused role alias nope for thing gw \(HTTP 403.*iot:AssumeRoleWithCertificate/,
  );
  await t.rejects(
    fromIotCertificate({
      ...base,
      roleAlias: 'kvs-edge-role-alias',
      certPath: pki.strangerCert,
      keyPath: pki.strangerKey,
    })(),
    new RegExp(
      `cannot reach the AWS IoT credentials endpoint .* with the certificate ${pki.strangerCert.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
    ),
  );
});

t.test('the variables are all or nothing', async (t) => {
  t.equal(iotCertificateOptionsFromEnv({}), undefined, 'none set: the default credential chain applies');
  t.throws(
    () => iotCertificateOptionsFromEnv({ KVS_EDGE_IOT_ROLE_ALIAS: 'a', AWS_IOT_THING_NAME: 'gw' }),
    /need KVS_EDGE_IOT_CREDENTIALS_ENDPOINT, KVS_EDGE_IOT_CERT, KVS_EDGE_IOT_KEY as well \(set: KVS_EDGE_IOT_ROLE_ALIAS\)/,
  );
});
