// Dependency rules of the source tree, checked by `npm run lint`:
// - no import cycles, between files or between folders (a folder may not reach itself through others);
// - the component's src/ never imports the local cloud (@kvs-edge/localcloud or packages/), and the
//   local cloud's src/ never imports the component (except through the package's declared surface,
//   which today is nothing);
// - camera/, store/, kvs/, mkv/, schedule/ and time/ never import an AWS SDK client.
// Imports are read with a regular expression (static `import ... from` / `export ... from` and
// `import('...')`), which is enough for this code base's style; type-only imports count too, since a
// cycle of types still ties the folders together.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const PURE_FOLDERS = ['camera', 'store', 'kvs', 'mkv', 'schedule', 'time'];

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) out.push(m[1] ?? m[2]);
  return out;
}

/** Cycles in a directed graph (Map node -> Set of nodes), each reported once by its node list. */
function cycles(graph) {
  const found = [];
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const problems = [];

function checkTree(root, label, forbidden) {
  const srcDir = path.join(repo, root);
  const fileGraph = new Map();
  const folderGraph = new Map();
  const folderOf = (f) => path.relative(srcDir, path.dirname(f)).split(path.sep)[0] || '.';
  for (const file of files(srcDir)) {
    const rel = path.relative(repo, file);
    const deps = new Set();
    for (const spec of importsOf(file)) {
      for (const [pattern, why] of forbidden) {
        if (pattern.test(spec)) problems.push(`${rel} imports ${spec}: ${why}`);
      }
      if (spec.startsWith('@aws-sdk/client-') && PURE_FOLDERS.includes(folderOf(file)) && label === 'src') {
        problems.push(`${rel} imports ${spec}: ${folderOf(file)}/ never imports an AWS SDK client`);
      }
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      deps.add(path.relative(repo, target));
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) {
        if (!folderGraph.has(from)) folderGraph.set(from, new Set());
        folderGraph.get(from).add(to);
      }
    }
    fileGraph.set(rel, deps);
  }
  for (const c of cycles(fileGraph)) problems.push(`import cycle between files: ${c.join(' -> ')}`);
  for (const c of cycles(folderGraph))
    problems.push(`import cycle between ${label}/ folders: ${c.join(' -> ')}`);
}

checkTree('src', 'src', [
  [/^@kvs-edge\/localcloud/, 'the component imports the local cloud only from test/, bench/ and demo/'],
  [/packages\//, 'the component imports the local cloud only from test/, bench/ and demo/'],
]);
checkTree('packages/localcloud/src', 'packages/localcloud/src', [
  [/(\.\.\/){3,}src\//, "the local cloud does not import the component's src/"],
  [/^kvs-edge-connector/, 'the local cloud does not import the component'],
]);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
