// Counts test results from tap's saved TAP output (.tap/test-results/**.tap of the component and of
// every workspace package): each top-level test point
// of each file is one test; a file that produced no test point (crashed before planning) is one failure.
// Prints "N passed, N failed" and exits 1 when anything failed or nothing ran.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const roots = ['.tap/test-results'];
for (const pkg of await readdir('packages').catch(() => [])) {
  roots.push(path.join('packages', pkg, '.tap/test-results'));
}
async function* walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.test.ts.tap')) yield p;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const root of roots)
  for await (const file of walk(root)) {
    const text = await readFile(file, 'utf8');
    let points = 0;
    for (const line of text.split('\n')) {
      const m = /^(not ok|ok) \d+/.exec(line);
      if (!m) continue;
      points++;
      if (/# (SKIP|TODO)/i.test(line)) skipped++;
      else if (m[1] === 'ok') passed++;
      else failed++;
    }
    if (points === 0) {
      console.error(`no test results in ${file}`);
      failed++;
    }
  }
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
