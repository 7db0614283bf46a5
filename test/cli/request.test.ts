// `kvs-edge request` and `kvs-edge upload`: what a user typing them sees, the value that lands on the
// camera's VideoUploadRequest property in the SiteWise stand-in (where the connector and the player
// read it), and the wait for VideoUploadedTimeRange to cover the range.
import t from 'tap';
import { GetAssetPropertyValueCommand } from '@aws-sdk/client-iotsitewise';
import { startSiteWiseService } from '@kvs-edge/localcloud';
import { provisionCamera, provisionHub } from '../../src/provision/index.js';
import { createSiteWiseClient } from '../../src/sitewise/index.js';
import { kvsEdge } from './run.js';

const sitewise = await startSiteWiseService();
t.teardown(() => sitewise.stop());
const env = {
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_IOTSITEWISE: sitewise.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
const client = createSiteWiseClient({
  region: env.AWS_REGION,
  endpoint: sitewise.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
t.teardown(() => client.destroy());
const hub = await provisionHub(client, { name: 'Hub', externalId: 'gw-cli' });
const camera = await provisionCamera({ sitewise: client }, hub, { name: 'Door', streamName: 'door' });
const requestPropertyId = camera.propertyIds.VideoUploadRequest!;

const request = (...args: string[]) => kvsEdge(['request', ...args], env);

async function currentValue(): Promise<string | undefined> {
  const r = await client.send(
    new GetAssetPropertyValueCommand({ assetId: camera.assetId, propertyId: requestPropertyId }),
  );
  return r.propertyValue?.value?.stringValue;
}

t.test('usage mistakes exit 2 with the usage line and send nothing', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /required option '--camera <camera>' not specified/],
    [['live'], /required option '--camera <camera>' not specified/],
    [['--camera', camera.assetId], /missing required argument 'value'/],
    [['live', '--camera'], /option '--camera <camera>' argument missing/],
    [['--camera', camera.assetId, 'live', 'extra'], /too many arguments/],
    [['--camera', camera.assetId, 'lve'], /"lve" is neither "live" nor "<startMs>-<endMs>"/],
    [['--camera', camera.assetId, '2000-1000'], /start must be before end/],
  ];
  for (const [args, says] of cases) {
    const r = await request(...args);
    t.equal(r.code, 2, `exit 2 for: ${args.join(' ')}`);
    t.match(r.err, says);
    t.match(r.err, /--help/, 'points at the usage');
    t.equal(r.out, '');
  }
  t.equal(await currentValue(), undefined, 'nothing was written to the camera');
});

t.test('live and a range land on the camera as the player writes them', async (t) => {
  const live = await request('--camera', camera.assetId, 'live');
  t.equal(live.code, 0, live.err);
  t.equal(live.out, `sent VideoUploadRequest "live" to camera ${camera.assetId}\n`);
  t.equal(await currentValue(), 'live');

  const end = Date.now() - 1000;
  const range = `${end - 60_000}-${end}`;
  const r = await request(range, '--camera', camera.assetId);
  t.equal(r.code, 0, r.err);
  t.equal(await currentValue(), range, '--camera may come after the value');
  const stored = await client.send(
    new GetAssetPropertyValueCommand({ assetId: camera.assetId, propertyId: requestPropertyId }),
  );
  t.equal(stored.propertyValue?.quality, 'GOOD');
  const writtenMs = (stored.propertyValue?.timestamp?.timeInSeconds ?? 0) * 1000;
  t.ok(Math.abs(writtenMs - Date.now()) < 60_000, 'stamped with the current time');
});

t.test('an unknown asset and an asset that is not a camera exit 1 and say why', async (t) => {
  const unknown = await request('--camera', '00000000-0000-0000-0000-000000000000', 'live');
  t.equal(unknown.code, 1);
  t.match(unknown.err, /^kvs-edge: .*00000000-0000-0000-0000-000000000000/);
  t.equal(unknown.out, '');

  const notCamera = await request('--camera', hub.assetId, 'live');
  t.equal(notCamera.code, 1);
  t.equal(
    notCamera.err,
    `kvs-edge: asset ${hub.assetId} has no VideoUploadRequest property: is it a camera of the connector's model?\n`,
  );
});
