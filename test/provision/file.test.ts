// Reading provisioning files: the reference's resource_configure.yml shape as it is, our own format,
// and every mistake in a file named with its line and column before anything is sent.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { parseProvisionFile, ProvisionFileError } from '../../src/provision/index.js';

const fixture = (name: string) => readFile(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

t.test("the reference's format reads as its script reads it", async (t) => {
  const spec = parseProvisionFile(await fixture('reference-shape.yml'), 'reference-shape.yml');
  t.equal(spec.format, 'reference');
  t.equal(spec.streamRetentionHours, 168, "the reference script's stream retention");
  t.same(spec.hubs, [
    { name: 'BakeryHubAsset', hubName: 'BakeryHub', cameras: ['BakeryCameraAsset1'], line: 4 },
  ]);
  t.same(spec.cameras, [
    {
      name: 'BakeryCameraAsset1',
      streamName: 'bakery-video-stream',
      rtspUrl: 'rtsp://viewer:s3cret-pass@192.0.2.24:554/stream1',
      attributes: {
        CaptureStartTime: '* * * * *',
        CaptureDurationInMinutes: 10,
        LocalDataRetentionPeriodInMinutes: 60,
        LiveStreamingStartTime: '*/30 * * * ?',
        LiveStreamingDurationInMinutes: 10,
      },
      line: 13,
    },
  ]);
});

t.test('our own format: one hub with a thing name, a list of cameras, a stream retention', async (t) => {
  const spec = parseProvisionFile(await fixture('own-format.yml'), 'own-format.yml');
  t.equal(spec.format, 'kvs-edge');
  t.equal(spec.streamRetentionHours, 24);
  t.same(spec.hubs[0], {
    name: 'line-1-hub',
    hubName: 'Line 1',
    thingName: 'line-1-gateway',
    cameras: ['line-1-entrance', 'line-1-packing'],
    line: 3,
  });
  t.same(
    spec.cameras.map((c) => [c.name, c.line, c.attributes.CaptureStartTime]),
    [
      ['line-1-entrance', 8, '* * * * *'],
      ['line-1-packing', 14, '0 6 ? * MON-FRI'],
    ],
  );
});

t.test(
  'every mistake is named with its line and column, in file order, and no password is shown',
  async (t) => {
    let caught: ProvisionFileError | undefined;
    try {
      parseProvisionFile(await fixture('mistakes.yml'), 'mistakes.yml');
    } catch (err) {
      caught = err as ProvisionFileError;
    }
    t.ok(caught instanceof ProvisionFileError);
    t.same(
      caught!.problems.map((p) => [p.line, p.column]),
      [
        [5, 29],
        [6, 17],
        [7, 23],
        [11, 5],
        [12, 40],
      ],
    );
    const lines = caught!.message.split('\n');
    t.match(lines[0], /^mistakes.yml:5:29: camera "cam-a": KinesisVideoStreamName "has spaces" may only use/);
    t.match(
      lines[1],
      /^mistakes.yml:6:17: camera "cam-a": RTSPStream must be an rtsp:\/\/ or rtsps:\/\/ URL/,
    );
    t.match(lines[2], /^mistakes.yml:7:23: .*seconds field first.*write "0\/5 \* \* \* \?"/);
    t.match(
      lines[3],
      /^mistakes.yml:11:5: camera "cam-b": unknown key "CaptureStartTim" \(did you mean "CaptureStartTime"\?\)/,
    );
    t.match(
      lines[4],
      /^mistakes.yml:12:40: camera "cam-b": LocalDataRetentionPeriodInMinutes must be a whole number/,
    );
    t.notMatch(caught!.message, /pw@/, 'the URL with its password is not repeated');
  },
);

t.test('structural mistakes', async (t) => {
  const problems = (text: string) => {
    try {
      parseProvisionFile(text, 'f.yml');
    } catch (err) {
      return (err as ProvisionFileError).message;
    }
    return 'no error';
  };
  t.match(problems('a: [1, 2\nb: 3\n'), /^f.yml:2:1: /, 'YAML syntax, with its position');
  t.match(problems('- just\n- a list\n'), /^f.yml:1:1: the file must be a mapping/);
  t.match(
    problems('Cam:\n  Name: x\n'),
    /^f.yml:2:3: "Cam" has no Type: write Type: EdgeConnectorForKVSHubAsset or/,
  );
  t.match(problems('Cam:\n  Type: Camera\n'), /^f.yml:2:9: "Cam": unknown Type "Camera"/);
  t.match(
    problems('Cameras:\n  - Name: a\n    KinesisVideoStreamName: s\n'),
    /^f.yml:1:1: no hub: add a Hub/,
  );
  t.match(
    problems(
      'Hub:\n  Name: h\nCameras:\n  - Name: a\n    KinesisVideoStreamName: s\n  - Name: b\n    KinesisVideoStreamName: s\n',
    ),
    /^f.yml:6:5: cameras "a" and "b" use the same KinesisVideoStreamName "s"/,
  );
  t.match(
    problems(
      'Hub:\n  Name: h\nCameras:\n  - Name: a\n    KinesisVideoStreamName: s\n    CaptureStartTime: "0 8 * * ?"\n    CaptureDurationInMinutes: 2000\n',
    ),
    /^f.yml:7:31: camera "a": CaptureStartTime: .*longer than/,
    'a duration longer than the gap between starts points at the duration',
  );
  t.match(problems('Hub:\n  Name: h\n  Thing: x\n'), /^f.yml:3:3: Hub: unknown key "Thing"/);
  t.match(
    problems('Hub:\n  Name: h\nCameras:\n  - KinesisVideoStreamName: s\n'),
    /^f.yml:4:5: camera 1: Name is missing/,
  );
});
