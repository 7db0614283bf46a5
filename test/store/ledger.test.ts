import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { nodeFiles, UploadLedger } from '../../src/store/index.js';

const log = pino({ level: 'silent' });

t.test('the ledger survives a restart and is replaced atomically, owner-only', async (t) => {
  const root = t.testdir();
  const dirOf = (id: string) => path.join(root, id);
  const a = new UploadLedger(nodeFiles, log, dirOf);
  a.add('cam1', 1000, 2000);
  a.add('cam1', 2050, 3000); // within the 100 ms join gap
  a.add('cam1', 5000, 6000);
  a.add('cam2', 0, 10);
  await a.flush();
  t.ok(a.isPersisted('cam1', 1000, 3000));
  t.notOk(a.isPersisted('cam1', 2500, 5500));

  const file = path.join(root, 'cam1', '.uploaded-ranges.json');
  const st = await fsp.stat(file);
  t.equal(st.mode & 0o777, 0o600, 'ledger readable by the owner only');
  t.equal((await fsp.stat(path.join(root, 'cam1'))).mode & 0o777, 0o700);
  t.same(await fsp.readdir(path.join(root, 'cam1')), ['.uploaded-ranges.json'], 'no temp file left');

  const b = new UploadLedger(nodeFiles, log, dirOf);
  await b.load('cam1');
  await b.load('cam2');
  await b.load('cam3');
  t.same(b.persisted('cam1'), [
    { startMs: 1000, endMs: 3000 },
    { startMs: 5000, endMs: 6000 },
  ]);
  t.ok(b.isPersisted('cam2', 0, 10));
  t.same(b.persisted('cam3'), [], 'no file: nothing persisted');
});

t.test('a torn or foreign ledger file means "not uploaded", never a crash', async (t) => {
  const root = t.testdir({ cam1: { '.uploaded-ranges.json': '{"ranges":[[1,2],[3' } });
  const l = new UploadLedger(nodeFiles, log, (id) => path.join(root, id));
  await l.load('cam1');
  t.same(l.persisted('cam1'), []);
  l.add('cam1', 10, 20);
  await l.flush();
  const again = new UploadLedger(nodeFiles, log, (id) => path.join(root, id));
  await again.load('cam1');
  t.same(again.persisted('cam1'), [{ startMs: 10, endMs: 20 }], 'rewritten whole on the next add');
});

t.test('many adds during a save coalesce into later saves; the last state wins', async (t) => {
  const root = t.testdir();
  const l = new UploadLedger(nodeFiles, log, (id) => path.join(root, id));
  for (let i = 0; i < 200; i++) l.add('cam1', i * 1000, i * 1000 + 500);
  await l.flush();
  const again = new UploadLedger(nodeFiles, log, (id) => path.join(root, id));
  await again.load('cam1');
  t.equal(again.persisted('cam1').length, 200);
});
