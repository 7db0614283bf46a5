// npm run gg:build must leave what the GDK CLI's custom build would for each component: a filled-in
// recipe, and per architecture one zip whose layout matches the paths the recipe uses once the
// nucleus has unpacked it, holding device code only.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/test-camera.js';
import { readZip } from '../deploy/zip.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
// What must never reach a device: tests, the demo, benchmarks, the local cloud and its test camera.
const FORBIDDEN = /(^|\/)(test|demo|bench|packages\/localcloud|localcloud|@kvs-edge)(\/|$)|\.d\.ts$|\.ts$/;

interface Manifest {
  Platform: { os: string; architecture?: string };
  Artifacts?: { URI: string; Unarchive?: string; Permission?: Record<string, string> }[];
  Lifecycle: Record<string, string | { Script: string; Timeout?: number; RequiresPrivilege?: boolean }>;
}

const script = (step: Manifest['Lifecycle'][string] | undefined) =>
  typeof step === 'string' ? step : (step?.Script ?? '');

t.test('gg:build makes one connector zip per architecture that matches the recipe paths', async (t) => {
  const gdk = JSON.parse(await readFile(path.join(REPO_ROOT, 'gdk-config.json'), 'utf8'));
  const [name, component] = Object.entries(gdk.component)[0] as [string, Record<string, unknown>];
  t.equal(name, 'io.kvsedge.EdgeConnectorForKVS', 'the component name');
  t.same((component.build as Record<string, unknown>).build_system, 'custom');
  t.ok(component.author && component.version && component.publish, 'GDK requires author, version, publish');

  const out = await mkdtemp(path.join(os.tmpdir(), 'gg-build-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await run('node', ['scripts/gg-build.mjs', '--component', 'connector', '--out', out], {
    cwd: REPO_ROOT,
    maxBuffer: 1 << 20,
  });
  t.match(stdout, /gg:build: io\.kvsedge\.EdgeConnectorForKVS .*kvs-edge-connector-amd64\.zip/);
  const version = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const build = path.join(out, name);

  const recipe = parse(await readFile(path.join(build, 'recipes', 'recipe.yaml'), 'utf8'));
  t.equal(recipe.RecipeFormatVersion, '2020-01-25');
  t.equal(recipe.ComponentName, name);
  t.equal(recipe.ComponentVersion, version);
  t.equal(recipe.ComponentDependencies['aws.greengrass.TokenExchangeService'].DependencyType, 'HARD');
  t.equal(recipe.ComponentDependencies['io.kvsedge.NodeRuntime'].DependencyType, 'HARD');
  const defaults = recipe.ComponentConfiguration.DefaultConfiguration;
  for (const key of [
    'SiteWiseAssetIdForHub',
    'RecordingsPath',
    'SegmentDurationSeconds',
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

  const manifests = recipe.Manifests as Manifest[];
  t.same(
    manifests.map((m) => m.Platform.architecture),
    ['amd64', 'aarch64', 'arm'],
    'one manifest per supported architecture plus the 32-bit ARM refusal',
  );
  for (const [arch, crtDir, otherCrt] of [
    ['amd64', 'linux-x64-glibc', 'linux-arm64'],
    ['aarch64', 'linux-arm64-glibc', 'linux-x64'],
  ] as const) {
    await t.test(arch, async (t) => {
      const m = manifests.find((x) => x.Platform.architecture === arch)!;
      const artifact = m.Artifacts![0]!;
      const zipName = path.posix.basename(artifact.URI);
      t.equal(zipName, `kvs-edge-connector-${arch}.zip`);
      t.equal(artifact.Unarchive, 'ZIP');
      // The nucleus unpacks <name>.zip into {artifacts:decompressedPath}/<name>/ (no extra top folder).
      const unpacked = `{artifacts:decompressedPath}/${zipName.replace(/\.zip$/, '')}/`;
      const zipPath = path.join(build, 'artifacts', name, version, zipName);
      const entries = await readZip(zipPath);
      const names = entries.map((e) => e.name);
      for (const step of ['Install', 'Run', 'Shutdown']) {
        const referenced = [
          ...script(m.Lifecycle[step]).matchAll(/\{artifacts:decompressedPath\}\/[^\s']+/g),
        ];
        t.ok(referenced.length > 0, `${step} uses the unpacked artifact`);
        for (const [ref] of referenced) {
          t.ok(ref.startsWith(unpacked), `${step} path ${ref} is inside the unpacked folder`);
          t.ok(
            names.includes(ref.slice(unpacked.length)),
            `${step}: the zip holds ${ref.slice(unpacked.length)}`,
          );
        }
      }
      t.match(script(m.Lifecycle.Run), /\{io\.kvsedge\.NodeRuntime:artifacts:decompressedPath\}\/node-/);
      t.ok(names.includes('package.json') && names.includes('LICENSE') && names.includes('NOTICE'));
      t.ok(names.includes('THIRD-PARTY-LICENSES.txt'), 'bundled packages keep their licences');
      t.same(
        names.filter((n) => n.endsWith('.node')),
        [`node_modules/aws-crt/dist/bin/${crtDir}/aws-crt-nodejs.node`],
        'the only native addon is aws-crt for this architecture',
      );
      t.notOk(
        names.some((n) => n.includes(otherCrt)),
        'no other architecture ships',
      );
      t.same(
        names.filter((n) => FORBIDDEN.test(n)),
        [],
        'no test, demo, local cloud or TypeScript file in the zip',
      );
      // The bundle's source maps list every source file that went into it.
      const sources = entries
        .filter((e) => e.name.endsWith('.js.map'))
        .flatMap((e) => (JSON.parse(e.data.toString('utf8')) as { sources: string[] }).sources);
      t.ok(
        sources.some((s) => s.endsWith('src/main.ts')),
        'the source maps point at src/',
      );
      t.same(
        sources.filter((s) => /(^|\/)(test|demo|bench|packages)\//.test(s) || s.includes('localcloud')),
        [],
        'no test, demo or local cloud code went into the bundle',
      );
      const bytes = (await readFile(zipPath)).length;
      t.ok(bytes < 10 * MB, `zip is ${(bytes / MB).toFixed(2)} MiB, under 10 MiB`);
    });
  }

  const arm = manifests.find((x) => x.Platform.architecture === 'arm')!;
  t.notOk(arm.Artifacts, '32-bit ARM downloads nothing');
  t.match(script(arm.Lifecycle.Install), /exit 1/);
  t.match(script(arm.Lifecycle.Install), /32-bit ARM.*aarch64/s);
});

t.test('the NodeRuntime recipe pins Node 22+ and makes node executable for every user', async (t) => {
  const dir = path.join(REPO_ROOT, 'components', 'node-runtime');
  const gdk = JSON.parse(await readFile(path.join(dir, 'gdk-config.json'), 'utf8'));
  const [name, component] = Object.entries(gdk.component)[0] as [string, { version: string }];
  t.equal(name, 'io.kvsedge.NodeRuntime');
  t.ok(Number(component.version.split('.')[0]) >= 22, `Node ${component.version} is 22 or newer`);
  const connector = parse(await readFile(path.join(REPO_ROOT, 'recipe.yaml'), 'utf8'));
  const range = connector.ComponentDependencies['io.kvsedge.NodeRuntime'].VersionRequirement as string;
  const [lo, hi] = [...range.matchAll(/(\d+)\.\d+\.\d+/g)].map((m) => Number(m[1]));
  const major = Number(component.version.split('.')[0]);
  t.ok(lo! <= major && major < hi!, `the connector's range ${range} accepts ${component.version}`);
  const recipe = parse(await readFile(path.join(dir, 'recipe.yaml'), 'utf8'));
  for (const m of recipe.Manifests as Manifest[]) {
    if (m.Platform.architecture === 'arm') continue;
    t.same(m.Artifacts![0]!.Permission, { Read: 'ALL', Execute: 'ALL' });
    t.match(script(m.Lifecycle.Install), new RegExp(`node-${m.Platform.architecture}/bin/node --version`));
  }
});
