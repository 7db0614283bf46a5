import t from 'tap';
import { isValidCameraId, parseSegmentName, segmentName } from '../../src/store/naming.js';

t.test('file names follow the AWS component', async (t) => {
  t.equal(segmentName(1700000000123.7), 'video_1700000000123.mkv');
  t.same(parseSegmentName('video_1700000000123.mkv'), { startMs: 1700000000123, uploaded: false });
  t.same(parseSegmentName('video_1700000000123_uploaded.mkv'), { startMs: 1700000000123, uploaded: true });
  t.equal(parseSegmentName('video_12.mkv.tmp'), undefined);
  t.equal(parseSegmentName('video_.mkv'), undefined);
  t.equal(parseSegmentName('.uploaded-ranges.json'), undefined);
  t.ok(isValidCameraId('a1b2c3d4-0000-4000-8000-123456789abc'));
  for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'a..b']) t.notOk(isValidCameraId(bad), bad);
});
