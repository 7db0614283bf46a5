// Names derived from a clip: the S3 folder, the MediaPackage asset id, the source ARN and the tags.

/** 2024-03-01T10:15:00.123Z -> 20240301T101500.123Z (no characters S3 or URLs would escape). */
export function compactUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

/** `<prefix>/<thing>/<camera>/<clipStartUtc>/` (no leading slash; empty parts left out). */
export function clipKeyPrefix(prefix: string, thingName: string, cameraId: string, startMs: number): string {
  return [prefix, thingName, cameraId, compactUtc(startMs)].filter((p) => p !== '').join('/') + '/';
}

// MediaPackage asset ids: letters, digits, _ and -. The id is kept well under the service's
// length limit so a long camera name still leaves room for both times.
const MAX_ID = 128;
const TIME_PART = 2 * 'YYYYMMDDTHHMMSSmmmZ'.length + 2;

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** `<camera>_<startUtc>_<endUtc>` sanitised; a long camera id is cut and made unique with a hash. */
export function assetIdFor(cameraId: string, startMs: number, endMs: number): string {
  let camera = cameraId.replace(/[^A-Za-z0-9_-]/g, '-');
  const room = MAX_ID - TIME_PART;
  if (camera.length > room || camera !== cameraId) {
    // Sanitising can map two ids onto one; the hash of the original keeps them apart.
    camera = `${camera.slice(0, room - 9)}-${fnv1a(cameraId)}`;
  }
  const t = (ms: number) => compactUtc(ms).replace('.', '');
  return `${camera}_${t(startMs)}_${t(endMs)}`;
}

/** arn:aws:s3:::bucket/key, the form CreateAsset's sourceArn takes. */
export function s3ObjectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}
