// The reduced fault suite inside npm test: the four scenarios issue 12 found broken (uplink cut,
// SIGKILL during an outage then restart, ACKs held then the connection cut, boot without uplink),
// run against the component as its own process. Each must lose nothing, store nothing twice, not
// crash, and leave the other camera alone. The full suite is `npm run test:faults`.
import t from 'tap';
import { startRig } from './rig.js';
import { REDUCED, runScenario, scenarios, table } from './scenarios.js';

// Four scenarios with the component restarting: longer than the default per-file timeout.
t.setTimeout(600_000);

t.test('faults from outside: nothing lost, nothing twice', async (t) => {
  const rig = await startRig(t);
  for (const name of REDUCED) {
    const rows = await runScenario(rig, scenarios[name]!, 90_000);
    t.comment(`\n${table(rows)}`);
    for (const r of rows) {
      t.equal(r.lost, 0, `${name}, ${r.camera}: no recorded fragment missing from KVS`);
      t.equal(r.duplicated, 0, `${name}, ${r.camera}: no fragment stored twice`);
      t.equal(r.crashed, false, `${name}: the component did not crash`);
      t.equal(r.otherCamerasAffected, 0, `${name}: cameras it did not target are unaffected`);
      t.ok(r.recoverMs !== undefined, `${name}, ${r.camera}: recovered within the deadline`);
      t.equal(r.unreported, 0, `${name}, ${r.camera}: SiteWise reports everything KVS holds`);
    }
  }
});
