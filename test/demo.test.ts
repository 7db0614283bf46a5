// The README's main job, shortened: the demo must provision, record, go live, upload the requested
// history and report what reached the local KVS and SiteWise.
import t from 'tap';
import { runDemo } from '../demo/main.js';

t.test(
  'npm run demo (short): live and historical video reach the local KVS and SiteWise shows it',
  async (t) => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(' '));
    t.teardown(() => (console.log = original));
    const code = await runDemo(['--record-seconds', '6', '--live-seconds', '5']);
    console.log = original;
    const out = lines.join('\n');
    t.equal(code, 0, out);
    t.match(out, /^create +stream +demo-front-door/m, 'provisioned with kvs-edge provision');
    t.match(out, /^\d+ created, 0 updated, 0 unchanged$/m);
    t.match(out, /cameras: 2 running/);
    t.match(out, /demo-front-door: [1-9]\d* fragments in 1 range\(s\)/, 'live fragments of the first camera');
    t.match(
      out,
      /demo-loading-dock: [1-9]\d* fragments in 1 range\(s\)/,
      'historical fragments of the second',
    );
    t.match(
      out,
      /VideoUploadedTimeRange: \d\d:\d\d:\d\d\.\d{3} - /,
      'uploaded ranges reported from SiteWise',
    );
    t.match(out, /VideoRecordedTimeRange: \d\d:\d\d:\d\d\.\d{3} - /);
    t.match(
      out,
      /local console \(watch the cameras in a browser\): http:\/\/127\.0\.0\.1:\d+\//,
      'the console URL is printed',
    );
    t.match(out, /^kvs-edge [\d.]+, pid \d+, up /m, 'ends with kvs-edge status');
    t.match(out, /^camera [0-9a-f-]+ \(stream demo-loading-dock\)\n {2}state streaming; recording on/m);
    t.match(out, /demo: done/);
  },
);

t.test('bad demo arguments are named', async (t) => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  t.teardown(() => (console.error = original));
  t.equal(await runDemo(['--record-seconds', 'soon']), 2);
  t.match(errors.join('\n'), /--record-seconds needs a positive number of seconds/);
});
