// npm run gg:build must leave what the GDK CLI's custom build would: a filled-in recipe and one zip
// artifact with the built code and production dependencies only.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/test-camera.js';

const run = promisify(execFile);

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: false, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => names.push(entry.fileName));
      zip.once('end', () => resolve(names));
      zip.once('error', reject);
    });
  });
}

t.test('gg:build writes the GDK layout with recipe and zip', async (t) => {
  const gdk = JSON.parse(await readFile(path.join(REPO_ROOT, 'gdk-config.json'), 'utf8'));
  const [name, component] = Object.entries(gdk.component)[0] as [string, Record<string, unknown>];
  t.equal(name, 'io.kvsedge.EdgeConnectorForKVS');
  t.same((component.build as Record<string, unknown>).build_system, 'custom');
  t.ok(component.author && component.version && component.publish, 'GDK requires author, version, publish');

  const { stdout } = await run('node', ['scripts/gg-build.mjs'], { cwd: REPO_ROOT, maxBuffer: 1 << 20 });
  t.match(stdout, /gg:build: io\.kvsedge\.EdgeConnectorForKVS/);
  const version = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const build = path.join(REPO_ROOT, 'greengrass-build');

  const recipe = parse(await readFile(path.join(build, 'recipes', 'recipe.yaml'), 'utf8'));
  t.equal(recipe.RecipeFormatVersion, '2020-01-25');
  t.equal(recipe.ComponentName, name);
  t.equal(recipe.ComponentVersion, version);
  t.equal(recipe.ComponentDependencies['aws.greengrass.TokenExchangeService'].DependencyType, 'HARD');
  const defaults = recipe.ComponentConfiguration.DefaultConfiguration;
  for (const key of [
    'SiteWiseAssetIdForHub',
    'RecordingsPath',
    'SegmentDurationSeconds',
    'LiveKeepAliveSeconds',
    'ConfigRefreshSeconds',
    'MaxLocalMediaSizeInMB',
    'StrategyOnFullSize',
    'DeleteAfterUpload',
    'StreamRetentionInHours',
    'TimeZone',
    'LogLevel',
    'Vod',
  ]) {
    t.ok(key in defaults, `DefaultConfiguration has ${key}`);
  }
  const acl = Object.values(defaults.accessControl['aws.greengrass.ipc.mqttproxy'])[0] as {
    operations: string[];
    resources: string[];
  };
  t.same(acl.operations, ['aws.greengrass#SubscribeToIoTCore']);
  t.same(acl.resources, ['$aws/sitewise/asset-models/+/assets/+/properties/+']);
  const manifest = recipe.Manifests[0];
  t.equal(manifest.Platform.os, 'linux');
  t.match(manifest.Lifecycle.Run, /node \{artifacts:decompressedPath\}\/kvs-edge-connector\/dist\/main\.js/);

  const entries = new Set(
    await zipEntries(path.join(build, 'artifacts', name, version, 'kvs-edge-connector.zip')),
  );
  t.ok(entries.has('kvs-edge-connector/dist/main.js'), 'zip holds dist/main.js');
  t.ok(entries.has('kvs-edge-connector/scripts/setup.sh'));
  t.ok(entries.has('kvs-edge-connector/node_modules/pino/package.json'), 'production dependencies ship');
  t.ok(
    [...entries].some((e) => e.startsWith('kvs-edge-connector/node_modules/aws-crt/dist/bin/linux-x64')),
    'aws-crt native binaries ship',
  );
  t.notOk(
    [...entries].some((e) => e.startsWith('kvs-edge-connector/node_modules/tap/')),
    'development dependencies stay out',
  );
  t.notOk(
    [...entries].some((e) => e.startsWith('kvs-edge-connector/test/')),
    'tests stay out',
  );
});
