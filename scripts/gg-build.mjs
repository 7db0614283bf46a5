// Reproduces what the GDK CLI's custom build expects (GDK itself cannot be installed here: it ships
// from GitHub only):
//   greengrass-build/recipes/recipe.yaml                      (names and version filled in)
//   greengrass-build/artifacts/<component>/<version>/kvs-edge-connector.zip
// The zip holds dist/, scripts/setup.sh, package.json and the production node_modules, so the device
// needs no registry access (aws-crt's native binaries travel inside its npm package).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const gdk = JSON.parse(await readFile(path.join(root, 'gdk-config.json'), 'utf8'));
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8'));
const [name, component] = Object.entries(gdk.component)[0];
// NEXT_PATCH is resolved by GDK against the versions already published; offline we use package.json's.
const version = component.version === 'NEXT_PATCH' ? pkg.version : component.version;

const out = path.join(root, 'greengrass-build');
await rm(out, { recursive: true, force: true });
const artifactDir = path.join(out, 'artifacts', name, version);
await mkdir(path.join(out, 'recipes'), { recursive: true });
await mkdir(artifactDir, { recursive: true });

const recipe = (await readFile(path.join(root, 'recipe.yaml'), 'utf8'))
  .replaceAll('{COMPONENT_NAME}', name)
  .replaceAll('{COMPONENT_VERSION}', version)
  .replaceAll('{COMPONENT_AUTHOR}', component.author);
await writeFile(path.join(out, 'recipes', 'recipe.yaml'), recipe);

// Nested node_modules folders are left out of a package's walk: the lock lists each nested package on
// its own, and decides there whether it ships.
async function* files(dir, skipNested = false) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(skipNested && entry.name === 'node_modules')) yield* files(full, skipNested);
    } else if (entry.isFile()) yield full;
  }
}

const zip = new yazl.ZipFile();
const prefix = 'kvs-edge-connector';
let count = 0;
async function addTree(rel) {
  for await (const file of files(path.join(root, rel))) {
    const mode = (await stat(file)).mode;
    zip.addFile(file, path.posix.join(prefix, path.relative(root, file).split(path.sep).join('/')), { mode });
    count++;
  }
}
await stat(path.join(root, 'dist', 'main.js')).catch(() => {
  throw new Error('dist/main.js is missing: run `npm run build` first (npm run gg:build does)');
});
await addTree('dist');
zip.addFile(path.join(root, 'scripts', 'setup.sh'), `${prefix}/scripts/setup.sh`, { mode: 0o100755 });
zip.addFile(path.join(root, 'package.json'), `${prefix}/package.json`);
// Production packages are the lock file's entries not marked dev (npm's own --omit=dev set).
for (const [entry, meta] of Object.entries(lock.packages)) {
  if (!entry.startsWith('node_modules/') || meta.dev || meta.link) continue;
  for await (const file of files(path.join(root, entry), true)) {
    zip.addFile(file, `${prefix}/${path.relative(root, file).split(path.sep).join('/')}`, {
      mode: (await stat(file)).mode,
    });
    count++;
  }
}
const zipPath = path.join(artifactDir, 'kvs-edge-connector.zip');
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(zipPath)).on('close', resolve).on('error', reject);
  zip.end();
});
const size = (await stat(zipPath)).size;
console.log(
  `gg:build: ${name} ${version}: ${count} files, ${(size / 1e6).toFixed(1)} MB -> ${path.relative(root, zipPath)}`,
);
