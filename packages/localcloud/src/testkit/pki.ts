// A throw-away PKI for tests of certificate-based credentials, made with the openssl command: a CA
// standing in for "registered in AWS IoT", the credentials endpoint's server certificate (for
// 127.0.0.1), a device certificate the CA signed, and a self-signed one it did not.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  deviceCert: string;
  deviceKey: string;
  /** Self-signed: no CA the endpoint knows signed it. */
  strangerCert: string;
  strangerKey: string;
}

export async function createTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const key = (file: string) =>
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(file)]);
  await Promise.all([key('ca.key'), key('server.key'), key('device.key'), key('stranger.key')]);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    f('ca.key'),
    '-subj',
    '/CN=Test IoT CA',
    '-days',
    '2',
    '-out',
    f('ca.pem'),
  ]);
  const signed = async (name: string, subject: string) => {
    await run('openssl', [
      'req',
      '-new',
      '-key',
      f(`${name}.key`),
      '-subj',
      subject,
      '-out',
      f(`${name}.csr`),
    ]);
    await run('openssl', [
      ...['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key')],
      ...['-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)],
    ]);
  };
  await writeFile(
    f('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await writeFile(f('device.ext'), 'extendedKeyUsage=clientAuth\n');
  await signed('server', '/CN=127.0.0.1');
  await signed('device', '/CN=test-device');
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    f('stranger.key'),
    '-subj',
    '/CN=stranger',
    '-days',
    '2',
    '-out',
    f('stranger.pem'),
  ]);
  return {
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    deviceCert: f('device.pem'),
    deviceKey: f('device.key'),
    strangerCert: f('stranger.pem'),
    strangerKey: f('stranger.key'),
  };
}
