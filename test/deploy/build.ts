// The real `npm run gg:build` output for this machine's architecture, built into a temporary folder
// (the script is the one `npm run gg:build` runs; --out keeps parallel tests apart).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/test-camera.js';
import type { BuiltComponent } from './greengrass.js';
import { greengrassArchitecture } from './greengrass.js';

export interface Build {
  runtime: BuiltComponent;
  connector: BuiltComponent;
}

export async function buildComponents(t: { teardown(fn: () => unknown): void }): Promise<Build> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'gg-build-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  await promisify(execFile)(
    'node',
    ['scripts/gg-build.mjs', '--arch', greengrassArchitecture(), '--out', out],
    {
      cwd: REPO_ROOT,
      maxBuffer: 1 << 20,
    },
  );
  const component = async (name: string): Promise<BuiltComponent> => {
    const recipeFile = path.join(out, name, 'recipes', 'recipe.yaml');
    const { ComponentVersion } = parse(await readFile(recipeFile, 'utf8')) as { ComponentVersion: string };
    return { recipeFile, artifactDir: path.join(out, name, 'artifacts', name, ComponentVersion) };
  };
  return {
    runtime: await component('io.kvsedge.NodeRuntime'),
    connector: await component('io.kvsedge.EdgeConnectorForKVS'),
  };
}
