// One THIRD-PARTY-LICENSES.txt for the bundle: the licence text of every npm package whose code the
// bundler took in (Apache-2.0 section 4 and the MIT/BSD/ISC licences require shipping them).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt))?$/i;

export async function thirdPartyLicenses(root, packages) {
  const parts = [
    'Third-party software bundled in kvs-edge-connector, with the licence text each package ships.\n',
  ];
  for (const name of packages) {
    const dir = path.join(root, 'node_modules', name);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const files = (await readdir(dir)).filter((f) => LICENSE_FILE.test(f)).sort();
    const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    const license = typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license ?? 'unknown');
    parts.push(
      `${'='.repeat(78)}\n${name}@${pkg.version} (${license})\n${'='.repeat(78)}\n` +
        (texts.length > 0
          ? texts.join('\n')
          : `No licence file in the package; package.json says ${license}.\n`),
    );
  }
  return parts.join('\n');
}
