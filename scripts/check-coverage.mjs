// tap 21 has no per-metric threshold: it is all or nothing. This keeps a real threshold per package,
// kept in that package's package.json ("coverageThreshold"), over the json-summary that tap's coverage
// report writes there. Usage: node scripts/check-coverage.mjs <package folder>
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
const summaryFile = path.join(dir, '.tap/report/coverage-summary.json');
const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
const thresholds = pkg.coverageThreshold ?? {};
let failed = false;
for (const [metric, min] of Object.entries(thresholds)) {
  const pct = summary.total?.[metric]?.pct;
  if (typeof pct !== 'number') {
    console.error(`coverage (${pkg.name}): no figure for ${metric} in ${summaryFile}`);
    failed = true;
  } else if (pct < min) {
    console.error(
      `coverage (${pkg.name}): ${metric} ${pct}% is below the threshold of ${min}% (coverageThreshold in ${path.join(dir, 'package.json')})`,
    );
    failed = true;
  } else {
    console.log(`coverage (${pkg.name}): ${metric} ${pct}% (threshold ${min}%)`);
  }
}
process.exit(failed ? 1 : 0);
