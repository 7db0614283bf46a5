import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_DEFAULTS,
  ConfigError,
  ENV_VARIABLES,
  loadConfig,
  loadConfigFile,
  resolveRecordingsPath,
  type Config,
} from '../../src/config/index.js';

const DEFAULTS: Config = {
  SiteWiseAssetIdForHub: '',
  RecordingsPath: '',
  SegmentDurationSeconds: 60,
  LiveKeepAliveSeconds: 300,
  ConfigRefreshSeconds: 60,
  MaxLocalMediaSizeInMB: 0,
  StrategyOnFullSize: 'DELETE_OLDEST_MEDIA',
  DeleteAfterUpload: false,
  StreamRetentionInHours: 168,
  TimeZone: '',
  LogLevel: 'info',
  HealthTopicPrefix: 'kvs-edge',
  HealthIntervalSeconds: 60,
  Vod: null,
};

const VOD = {
  S3Bucket: 'clips',
  PackagingGroupId: 'edge',
  SourceRoleArn: 'arn:aws:iam::123456789012:role/vod',
};

function problem(source: unknown, env?: Record<string, string>): [string, string] {
  try {
    loadConfig(source, env);
  } catch (error) {
    if (error instanceof ConfigError) return [error.key, error.message];
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(source)}`);
}

t.test('defaults, and recipe.yaml ships exactly them', async (t) => {
  t.same(loadConfig({}), DEFAULTS);
  t.same(loadConfig(undefined), DEFAULTS);
  t.same(loadConfig(CONFIG_DEFAULTS), DEFAULTS);
  const recipe = parseYaml(await readFile(path.join(import.meta.dirname, '../../recipe.yaml'), 'utf8'));
  const { accessControl, ...defaults } = recipe.ComponentConfiguration.DefaultConfiguration;
  t.ok(accessControl, 'the recipe grants its IPC access');
  t.same(defaults, CONFIG_DEFAULTS, 'recipe DefaultConfiguration = schema defaults');
  t.same(Object.keys(defaults), Object.keys(CONFIG_DEFAULTS), 'in the same order');
  t.same(
    loadConfig(recipe.ComponentConfiguration.DefaultConfiguration),
    DEFAULTS,
    'accessControl is ignored',
  );
});

t.test("the reference's only key, as its users wrote it", async (t) => {
  t.equal(
    loadConfig({ SiteWiseAssetIdForHub: '7e2d5f0a-1111-4c3b-9d2e-0a1b2c3d4e5f' }).SiteWiseAssetIdForHub,
    '7e2d5f0a-1111-4c3b-9d2e-0a1b2c3d4e5f',
  );
  t.equal(
    loadConfig({ SiteWiseAssetIdForHub: " 'abc-123' " }).SiteWiseAssetIdForHub,
    'abc-123',
    'quotes go, as in the reference',
  );
});

t.test('what Greengrass delivers: numbers and booleans as strings, any case, nulls', async (t) => {
  const config = loadConfig({
    SegmentDurationSeconds: '30',
    LiveKeepAliveSeconds: ' 120 ',
    MaxLocalMediaSizeInMB: '2048',
    DeleteAfterUpload: 'TRUE',
    StreamRetentionInHours: 0,
    StrategyOnFullSize: 'deny_new_media',
    LogLevel: 'DEBUG',
    TimeZone: 'Europe/Berlin',
    RecordingsPath: '/var/lib/kvs-edge',
    ConfigRefreshSeconds: null,
    Vod: { ...VOD, S3Prefix: '/edge/clips/', Region: 'eu-west-1' },
    accessControl: { 'aws.greengrass.ipc.mqttproxy': {} },
  });
  t.same(config, {
    ...DEFAULTS,
    SegmentDurationSeconds: 30,
    LiveKeepAliveSeconds: 120,
    MaxLocalMediaSizeInMB: 2048,
    DeleteAfterUpload: true,
    StreamRetentionInHours: 0,
    StrategyOnFullSize: 'DENY_NEW_MEDIA',
    LogLevel: 'debug',
    TimeZone: 'Europe/Berlin',
    RecordingsPath: '/var/lib/kvs-edge',
    Vod: { ...VOD, S3Prefix: 'edge/clips', Region: 'eu-west-1' },
  });
  t.equal(loadConfig({ DeleteAfterUpload: 'false' }).DeleteAfterUpload, false);
  t.same(loadConfig({ Vod: VOD }).Vod, { ...VOD, S3Prefix: '' });
  for (const off of [{}, null, ''])
    t.equal(loadConfig({ Vod: off }).Vod, null, `Vod ${JSON.stringify(off)} is off`);
});

t.test('invalid values name the key and the allowed values', async (t) => {
  const table: [unknown, string, string][] = [
    [
      { LogLevel: 'verbose' },
      'LogLevel',
      'invalid configuration: LogLevel: "verbose" is not allowed; use one of trace, debug, info, warn, error',
    ],
    [
      { HealthTopicPrefix: 'plant/+' },
      'HealthTopicPrefix',
      'invalid configuration: HealthTopicPrefix: "plant/+" is not allowed; use topic levels without wildcards (+, #), a leading $ or / or a trailing /, e.g. "kvs-edge" or "plant-1/video", or "" to turn health publishing off',
    ],
    [
      { HealthIntervalSeconds: 0 },
      'HealthIntervalSeconds',
      'invalid configuration: HealthIntervalSeconds: 0 is not allowed; use a whole number from 1 to 3600',
    ],
    [
      { StrategyOnFullSize: 'DROP' },
      'StrategyOnFullSize',
      'invalid configuration: StrategyOnFullSize: "DROP" is not allowed; use one of DELETE_OLDEST_MEDIA, DENY_NEW_MEDIA',
    ],
    [
      { DeleteAfterUpload: 'yes' },
      'DeleteAfterUpload',
      'invalid configuration: DeleteAfterUpload: "yes" is not allowed; use true or false',
    ],
    [
      { SegmentDurationSeconds: 0 },
      'SegmentDurationSeconds',
      'invalid configuration: SegmentDurationSeconds: 0 is not allowed; use a whole number from 1 to 3600',
    ],
    [
      { SegmentDurationSeconds: 12.5 },
      'SegmentDurationSeconds',
      'invalid configuration: SegmentDurationSeconds: 12.5 is not allowed; use a whole number from 1 to 3600',
    ],
    [
      { LiveKeepAliveSeconds: 'five' },
      'LiveKeepAliveSeconds',
      'invalid configuration: LiveKeepAliveSeconds: "five" is not allowed; use a whole number from 1 to 86400',
    ],
    [
      { MaxLocalMediaSizeInMB: -1 },
      'MaxLocalMediaSizeInMB',
      'invalid configuration: MaxLocalMediaSizeInMB: -1 is not allowed; use a whole number >= 0',
    ],
    [
      { StreamRetentionInHours: 87601 },
      'StreamRetentionInHours',
      'invalid configuration: StreamRetentionInHours: 87601 is not allowed; use a whole number from 0 to 87600',
    ],
    [
      { TimeZone: 'CEST' },
      'TimeZone',
      'invalid configuration: TimeZone: "CEST" is not a known time zone; use an IANA name such as Europe/Berlin, or "" for the system zone',
    ],
    [
      { SiteWiseAssetIdForHub: 42 },
      'SiteWiseAssetIdForHub',
      'invalid configuration: SiteWiseAssetIdForHub: 42 is not allowed; use text',
    ],
    [
      { loglevel: 'info' },
      'loglevel',
      `invalid configuration: loglevel: unknown key (did you mean "LogLevel"?); allowed keys: ${Object.keys(CONFIG_DEFAULTS).join(', ')}`,
    ],
    [
      { Colour: 'blue' },
      'Colour',
      `invalid configuration: Colour: unknown key; allowed keys: ${Object.keys(CONFIG_DEFAULTS).join(', ')}`,
    ],
    [
      { Vod: 'on' },
      'Vod',
      'invalid configuration: Vod: "on" is not allowed; use an object with S3Bucket, PackagingGroupId, SourceRoleArn and optionally S3Prefix and Region, or {} to turn VOD publishing off',
    ],
    [
      { Vod: { ...VOD, SourceRoleArn: 'vod-role' } },
      'Vod.SourceRoleArn',
      'invalid configuration: Vod.SourceRoleArn: "vod-role" is not allowed; use an IAM role ARN (arn:...)',
    ],
    [
      { Vod: { ...VOD, S3Bucket: '' } },
      'Vod.S3Bucket',
      'invalid configuration: Vod.S3Bucket: missing; Vod needs S3Bucket, PackagingGroupId and SourceRoleArn, or {} to turn it off',
    ],
    [
      { Vod: { ...VOD, s3bucket: 'x' } },
      'Vod.s3bucket',
      'invalid configuration: Vod.s3bucket: unknown key (did you mean "Vod.S3Bucket"?); allowed in Vod: S3Bucket, S3Prefix, PackagingGroupId, SourceRoleArn, Region',
    ],
    [[1, 2], '', 'invalid configuration: the configuration must be an object of keys and values, got [1,2]'],
    [
      'LogLevel: info',
      '',
      'invalid configuration: the configuration must be an object of keys and values, got "LogLevel: info"',
    ],
  ];
  for (const [source, key, message] of table) t.same(problem(source), [key, message], JSON.stringify(source));
});

t.test('all problems are reported at once, the first one as `key`', async (t) => {
  const error = t.throws(() => loadConfig({ LogLevel: 'loud', Vod: { S3Bucket: 'b' } })) as ConfigError;
  t.equal(error.code, 'CONFIG_INVALID');
  t.equal(error.key, 'LogLevel');
  t.same(
    error.problems.map((p) => p.key),
    ['LogLevel', 'Vod.PackagingGroupId', 'Vod.SourceRoleArn'],
  );
  t.match(error.message, /^invalid configuration:\n- LogLevel: /);
});

t.test('environment overrides for standalone runs', async (t) => {
  const env = {
    KVS_EDGE_LOG_LEVEL: 'warn',
    KVS_EDGE_SEGMENT_DURATION_SECONDS: '10',
    KVS_EDGE_DELETE_AFTER_UPLOAD: 'true',
    KVS_EDGE_SITEWISE_ASSET_ID_FOR_HUB: 'hub-1',
    KVS_EDGE_VOD: JSON.stringify(VOD),
    KVS_EDGE_TIME_ZONE: '', // empty: unset
    KVS_EDGE_SOMETHING_ELSE: 'x', // not ours: ignored
  };
  const config = loadConfig({ LogLevel: 'debug', TimeZone: 'UTC', SegmentDurationSeconds: 30 }, env);
  t.equal(config.LogLevel, 'warn', 'the environment beats the file');
  t.equal(config.SegmentDurationSeconds, 10);
  t.equal(config.DeleteAfterUpload, true);
  t.equal(config.SiteWiseAssetIdForHub, 'hub-1');
  t.equal(config.TimeZone, 'UTC');
  t.same(config.Vod, { ...VOD, S3Prefix: '' });
  t.equal(loadConfig({ LogLevel: 'debug' }).LogLevel, 'debug', 'no env argument, no overrides');
  t.same(problem({}, { KVS_EDGE_LOG_LEVEL: 'loud' }), [
    'LogLevel',
    'invalid configuration: LogLevel: "loud" is not allowed; use one of trace, debug, info, warn, error (from KVS_EDGE_LOG_LEVEL)',
  ]);
  t.same(problem({}, { KVS_EDGE_VOD: '{bucket' }), [
    'Vod',
    'invalid configuration: Vod: KVS_EDGE_VOD must hold a JSON object such as {"S3Bucket": "...", ...}; it is not valid JSON',
  ]);
  t.same(Object.keys(ENV_VARIABLES), Object.keys(CONFIG_DEFAULTS), 'every key has a variable');
});

t.test('files: JSON and YAML', async (t) => {
  const dir = t.testdir({
    'config.json': JSON.stringify({ SiteWiseAssetIdForHub: 'hub-json', LogLevel: 'debug' }),
    'config.yaml':
      'SiteWiseAssetIdForHub: hub-yaml\nDeleteAfterUpload: true\nVod:\n  S3Bucket: clips\n  PackagingGroupId: edge\n  SourceRoleArn: arn:aws:iam::1:role/v\n',
    'empty.yml': '',
    'broken.json': '{"LogLevel": ',
    'broken.yaml': 'LogLevel: [info\n',
    'bad.yaml': 'LogLevel: chatty\n',
  });
  t.equal((await loadConfigFile(path.join(dir, 'config.json'))).SiteWiseAssetIdForHub, 'hub-json');
  const yaml = await loadConfigFile(path.join(dir, 'config.yaml'), { KVS_EDGE_LOG_LEVEL: 'error' });
  t.equal(yaml.SiteWiseAssetIdForHub, 'hub-yaml');
  t.equal(yaml.DeleteAfterUpload, true);
  t.equal(yaml.LogLevel, 'error');
  t.equal(yaml.Vod?.S3Bucket, 'clips');
  t.same(await loadConfigFile(path.join(dir, 'empty.yml')), DEFAULTS, 'an empty file means the defaults');
  const fails = async (file: string) => {
    const error = (await loadConfigFile(path.join(dir, file)).then(
      () => undefined,
      (e: unknown) => e,
    )) as ConfigError;
    t.type(error, ConfigError, file);
    return error.message.replace(dir, '<dir>');
  };
  t.equal(
    await fails('missing.yaml'),
    'invalid configuration: cannot read configuration file <dir>/missing.yaml (ENOENT)',
  );
  t.match(
    await fails('broken.json'),
    /^invalid configuration: configuration file <dir>\/broken\.json does not parse: /,
  );
  t.match(
    await fails('broken.yaml'),
    /^invalid configuration: configuration file <dir>\/broken\.yaml does not parse: /,
  );
  t.match(await fails('bad.yaml'), /LogLevel: "chatty" is not allowed/);
});

t.test('where recordings go', async (t) => {
  const cfg = (RecordingsPath: string) => ({ ...DEFAULTS, RecordingsPath });
  t.equal(resolveRecordingsPath(cfg(''), { greengrass: true, cwd: '/gg/work/comp' }), '/gg/work/comp');
  t.equal(resolveRecordingsPath(cfg(''), { greengrass: false, cwd: '/home/me' }), '/home/me/recordings');
  t.equal(resolveRecordingsPath(cfg('media'), { greengrass: false, cwd: '/home/me' }), '/home/me/media');
  t.equal(resolveRecordingsPath(cfg('/data/rec'), { greengrass: true, cwd: '/x' }), '/data/rec');
  t.equal(resolveRecordingsPath(cfg(''), { greengrass: false }), path.join(process.cwd(), 'recordings'));
});
