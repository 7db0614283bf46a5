// `npm run gg:build`: what the GDK CLI's custom build must leave, for both components of the project.
// GDK itself cannot be installed here (it ships from GitHub only), so this reproduces its layout:
//   <out>/recipes/recipe.yaml                                   (name, version, author filled in)
//   <out>/artifacts/<component>/<version>/<artifact>.zip         (one per architecture)
// io.kvsedge.EdgeConnectorForKVS -> greengrass-build/ (gdk-config.json at the top)
// io.kvsedge.NodeRuntime         -> components/node-runtime/greengrass-build/
//
// The connector zip holds the esbuild bundle (scripts/gg-build/bundle.mjs), its source maps, the
// device set-up and stop scripts, aws-crt's addon for that architecture only, and the licences. No
// top folder: the nucleus unpacks <name>.zip into {artifacts:decompressedPath}/<name>/ itself.
//
// Options: --component connector|node-runtime (default both), --arch amd64,aarch64 (default both),
// --out <dir> (each component under <dir>/<component name>/ instead; the tests use this).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectorArtifact, runtimeArtifact, selectArchitectures } from './gg-build/architectures.mjs';
import { bundle, bundledPackages, CRT_MODULE_DIR } from './gg-build/bundle.mjs';
import { thirdPartyLicenses } from './gg-build/licenses.mjs';
import { writeRuntimeZip } from './gg-build/node-runtime.mjs';
import { writeZip } from './gg-build/zip.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { component: { type: 'string' }, arch: { type: 'string' }, out: { type: 'string' } },
});
const archs = selectArchitectures(args.arch);
const components = args.component ? [args.component] : ['connector', 'node-runtime'];
for (const c of components) {
  if (c !== 'connector' && c !== 'node-runtime') {
    throw new Error(`unknown component "${c}": use connector or node-runtime`);
  }
}

async function gdkProject(dir) {
  const gdk = JSON.parse(await readFile(path.join(dir, 'gdk-config.json'), 'utf8'));
  const [name, component] = Object.entries(gdk.component)[0];
  return { name, component, recipe: await readFile(path.join(dir, 'recipe.yaml'), 'utf8') };
}

/** Fills the recipe's GDK placeholders and makes the output folders; returns the artifact folder. */
async function layout(out, project, version) {
  await rm(out, { recursive: true, force: true });
  const artifactDir = path.join(out, 'artifacts', project.name, version);
  await mkdir(path.join(out, 'recipes'), { recursive: true });
  await mkdir(artifactDir, { recursive: true });
  const recipe = project.recipe
    .replaceAll('{COMPONENT_NAME}', project.name)
    .replaceAll('{COMPONENT_VERSION}', version)
    .replaceAll('{COMPONENT_AUTHOR}', project.component.author);
  await writeFile(path.join(out, 'recipes', 'recipe.yaml'), recipe);
  return artifactDir;
}

const report = (name, version, zipPath, result) =>
  console.log(
    `gg:build: ${name} ${version}: ${path.basename(zipPath)} ${result.names.length} files, ` +
      `${(result.bytes / 1e6).toFixed(2)} MB -> ${path.relative(process.cwd(), zipPath)}`,
  );

async function buildConnector() {
  const project = await gdkProject(root);
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  // NEXT_PATCH is resolved by GDK against the versions already published; offline we use package.json's.
  const version = project.component.version === 'NEXT_PATCH' ? pkg.version : project.component.version;
  const out = args.out ? path.join(args.out, project.name) : path.join(root, 'greengrass-build');
  const artifactDir = await layout(out, project, version);

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-bundle-'));
  try {
    const metafile = await bundle(root, tmp);
    const bundleFiles = (await readdir(tmp)).sort();
    const common = [
      ...bundleFiles.map((f) => ({ name: f, file: path.join(tmp, f) })),
      // The bundle is ES modules; without "type": "module" Node 20 would load it as CommonJS.
      {
        name: 'package.json',
        text: `${JSON.stringify({ name: pkg.name, version, private: true, type: 'module', license: pkg.license }, null, 2)}\n`,
      },
      { name: 'setup.sh', file: path.join(root, 'scripts', 'setup.sh'), mode: 0o100755 },
      { name: 'stop.sh', file: path.join(root, 'deploy', 'greengrass', 'stop.sh'), mode: 0o100755 },
      { name: 'LICENSE', file: path.join(root, 'LICENSE') },
      { name: 'NOTICE', file: path.join(root, 'NOTICE') },
      { name: 'THIRD-PARTY-LICENSES.txt', text: await thirdPartyLicenses(root, bundledPackages(metafile)) },
    ];
    for (const arch of archs) {
      const addon = `${CRT_MODULE_DIR}/dist/bin/${arch.crtDir}/aws-crt-nodejs.node`;
      const zipPath = path.join(artifactDir, `${connectorArtifact(arch)}.zip`);
      const result = await writeZip(zipPath, [...common, { name: addon, file: path.join(root, addon) }]);
      report(project.name, version, zipPath, result);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function buildNodeRuntime() {
  const dir = path.join(root, 'components', 'node-runtime');
  const project = await gdkProject(dir);
  // The component version is the Node.js version it carries (pinned in gdk-config.json).
  const version = project.component.version;
  const out = args.out ? path.join(args.out, project.name) : path.join(dir, 'greengrass-build');
  const artifactDir = await layout(out, project, version);
  for (const arch of archs) {
    const zipPath = path.join(artifactDir, `${runtimeArtifact(arch)}.zip`);
    report(project.name, version, zipPath, await writeRuntimeZip(root, arch, version, zipPath));
  }
}

if (components.includes('connector')) await buildConnector();
if (components.includes('node-runtime')) await buildNodeRuntime();
