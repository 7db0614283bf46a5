// `npm run test:faults` (every scenario, 8 to 25 minutes by load) or `npm run test:faults -- <name>...`:
// drives the component through the fault scenarios and prints the figures; with --markdown <file> it
// also writes them as the table docs/reliability.md quotes. Exit code 1 when any scenario lost or
// duplicated a fragment, crashed, or touched a camera it did not target.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startRig } from './rig.js';
import { runScenario, scenarios, table, writeTable, type Figures } from './scenarios.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { markdown: { type: 'string' }, log: { type: 'string' }, list: { type: 'boolean' } },
  allowPositionals: true,
});
if (values.list) {
  for (const name of Object.keys(scenarios)) console.log(name);
  process.exit(0);
}
const names = positionals.length > 0 ? positionals : Object.keys(scenarios);
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
  process.exit(2);
}
const cleanups: (() => unknown)[] = [];
const owner = { teardown: (fn: () => unknown) => void cleanups.push(fn) };
const rows: Figures[] = [];
try {
  // The disk scenario needs its own small file system; the others share one rig.
  const disk = names.filter((n) => n.startsWith('disk'));
  const rest = names.filter((n) => !n.startsWith('disk'));
  if (rest.length > 0) {
    const rig = await startRig(owner);
    if (values.log)
      cleanups.push(() => writeFile(values.log!, rig.lines.map((l) => JSON.stringify(l)).join('\n')));
    for (const name of rest) {
      console.log(`# ${name}`);
      const r = await runScenario(rig, scenarios[name]!);
      console.log(table(r));
      rows.push(...r);
    }
  }
  for (const name of disk) {
    const rig = await startRig(owner, { tmpfsMiB: 48 });
    console.log(`# ${name}`);
    const r = await runScenario(rig, scenarios[name]!);
    console.log(table(r));
    rows.push(...r);
  }
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
console.log('\n' + table(rows));
if (values.markdown) await writeTable(values.markdown, rows);
const bad = rows.filter((r) => r.lost > 0 || r.duplicated > 0 || r.crashed || r.otherCamerasAffected > 0);
process.exit(bad.length > 0 ? 1 : 0);
