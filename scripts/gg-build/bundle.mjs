// The device code as one ES module bundle per entry (main.js: the component; cli.js: the kvs-edge
// operator commands), built from the TypeScript sources with esbuild. Only what src/ imports goes in,
// so the local cloud, the demo, the test camera and the tests cannot reach a device.
//
// aws-crt (MQTT 5 for standalone runs, the Greengrass IPC client) loads a native addon from
// <package>/dist/bin/<platform>-<arch>-<libc>/aws-crt-nodejs.node, found from its own __dirname. Its
// JavaScript is bundled like everything else; the loader's package folder is pointed at the module
// folder the zip keeps next to the bundle (node_modules/aws-crt), which holds only the addon of the
// architecture being packaged.
import esbuild from 'esbuild';
import path from 'node:path';

/** Where the zip puts aws-crt's addon folder, relative to the bundle. */
export const CRT_MODULE_DIR = 'node_modules/aws-crt';

// ESM output has no require, __filename or __dirname; CommonJS dependencies (the AWS SDK's, pino's)
// use them, so the bundle defines them for its own file.
const BANNER = [
  "import { createRequire as __kvsCreateRequire } from 'node:module';",
  "import { fileURLToPath as __kvsFileURLToPath } from 'node:url';",
  "import { dirname as __kvsDirname } from 'node:path';",
  'const require = __kvsCreateRequire(import.meta.url);',
  'const __filename = __kvsFileURLToPath(import.meta.url);',
  'const __dirname = __kvsDirname(__filename);',
  'const __kvsBundleDir = __dirname;',
].join('\n');

const crtLoader = {
  name: 'aws-crt-native-dir',
  setup(build) {
    build.onLoad({ filter: /[\\/]aws-crt[\\/]dist[\\/]native[\\/]binding\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      if (!source.includes("path.resolve(__dirname, '..', '..')")) {
        // A new aws-crt changed how it finds its addon: fail the build rather than ship a bundle
        // that cannot load it.
        throw new Error(`aws-crt's binding.js no longer resolves its addon from __dirname (${args.path})`);
      }
      // The bundle's own folder (set by the banner) replaces the package folder aws-crt computes.
      const root = `require('node:path').join(__kvsBundleDir, ${JSON.stringify(CRT_MODULE_DIR)})`;
      return {
        contents: source.replace("path.resolve(__dirname, '..', '..')", root),
        loader: 'js',
      };
    });
  },
};

/**
 * Bundles src/main.ts and src/cli/main.ts into outDir (main.js, cli.js, shared chunks, source maps).
 * Returns esbuild's metafile so the caller can report what went in.
 */
export async function bundle(root, outDir) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Class names appear in logs (err.type) and errors are matched by name.
    keepNames: true,
    sourcemap: 'linked',
    // Paths in the map are relative to the bundle; the device needs no sources to print stack traces.
    sourcesContent: false,
    // Licences ship as one THIRD-PARTY-LICENSES file (see licenses.mjs) instead of per-chunk comments.
    legalComments: 'none',
    // Chunks sit next to the entries: every file's own directory is the bundle directory, which the
    // aws-crt loader above relies on.
    chunkNames: '[name]-[hash]',
    banner: { js: BANNER },
    plugins: [crtLoader],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/** The packages a metafile's inputs come from (for the build report and the licence notice). */
export function bundledPackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.split(path.sep).join('/'));
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}
