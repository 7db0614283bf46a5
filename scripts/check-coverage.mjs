// tap 21 has no per-metric threshold: it is all or nothing. This keeps a real threshold, kept in
// package.json ("coverageThreshold"), over the json-summary that tap's coverage report writes.
import { readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const summary = JSON.parse(
  await readFile(new URL('../.tap/report/coverage-summary.json', import.meta.url), 'utf8'),
);
const thresholds = pkg.coverageThreshold ?? {};
let failed = false;
for (const [metric, min] of Object.entries(thresholds)) {
  const pct = summary.total?.[metric]?.pct;
  if (typeof pct !== 'number') {
    console.error(`coverage: no figure for ${metric} in .tap/report/coverage-summary.json`);
    failed = true;
  } else if (pct < min) {
    console.error(
      `coverage: ${metric} ${pct}% is below the threshold of ${min}% (package.json coverageThreshold)`,
    );
    failed = true;
  } else {
    console.log(`coverage: ${metric} ${pct}% (threshold ${min}%)`);
  }
}
process.exit(failed ? 1 : 0);
