// Bad input from outside: 200 VideoUploadRequest values of every wrong shape (and a few right ones),
// written the way the TwinMaker player writes them, then camera attributes nobody can use, then the
// good attributes back. The component must log and ignore, keep the other camera untouched, and not
// crash. Values come from a seeded generator so a failing run can be repeated.
import { putStringValue } from '../../src/sitewise/index.js';
import { putAttributes } from '../../src/provision/index.js';
import type { Rig } from './rig.js';

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function fuzz(rig: Rig, count: number, seed = 12): Promise<string> {
  const rnd = generator(seed);
  const now = Date.now();
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const shapes: (() => string)[] = [
    () => '',
    () => 'LIVE',
    () => 'live ',
    () => `${now}-`,
    () => `-${now}`,
    () => `${now + 60_000}-${now - 60_000}`,
    () => `${Math.floor(rnd() * 1e16)}-${Math.floor(rnd() * 1e16)}`,
    () => `${now - 30_000}-${now - 10_000}`,
    () => '0-1',
    () => 'x'.repeat(Math.floor(rnd() * 5000)),
    () => String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(rnd() * 0xffff))),
    () => `${now - 1e12}-${now}`,
    () => 'NaN-Infinity',
    () => JSON.stringify({ live: true }),
    () => 'live',
  ];
  const cam = rig.cameras[1]!;
  const requestId = cam.asset.propertyIds.VideoUploadRequest!;
  let sent = 0;
  for (let i = 0; i < count; i++) {
    try {
      await putStringValue(rig.sitewise, cam.asset.assetId, requestId, pick(shapes)(), {
        entryId: `fuzz${i}`,
      });
      sent++;
    } catch {
      // SiteWise itself refused the value (too long, bad characters): it never reaches the component.
    }
  }
  await putAttributes(rig.sitewise, cam.asset.assetId, {
    LiveStreamingStartTime: 'every tuesday',
    LocalDataRetentionPeriodInMinutes: -5,
    KinesisVideoStreamName: '',
  });
  await new Promise((r) => setTimeout(r, 15_000));
  await putAttributes(rig.sitewise, cam.asset.assetId, {
    LiveStreamingStartTime: '* * * * *',
    LocalDataRetentionPeriodInMinutes: 0,
    KinesisVideoStreamName: cam.streamName,
  });
  await new Promise((r) => setTimeout(r, 15_000));
  return `${sent} of ${count} fuzzed values accepted by SiteWise and delivered`;
}
