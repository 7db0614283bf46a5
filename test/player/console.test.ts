// The local console in a real browser: headless Chromium (Debian's) opens the page the local cloud
// serves, presses "Live" on an H.264 camera run by the connector, and the <video> element plays the
// player's LIVE HLS session (currentTime advances, 320x240 decoded, no media error); then it plays a
// range of what went live on demand. A screenshot is kept in .tap/console.png.
/// <reference lib="dom" />
import t, { type Test } from 'tap';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, eventually, runConnector } from '../connector/fixtures.js';
import { cameraEntity, frontDoor } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('.tap');

interface VideoState {
  time: number;
  width: number;
  height: number;
  error: number | null;
  hlsErrors: string[];
  live: boolean;
}

/** The local console in headless Chromium, once its first tile is drawn; the browser closes with `t`. */
async function openConsole(t: Test, url: string): Promise<Page> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 560 });
  await page.goto(url);
  await page.waitForSelector('.tile button.live');
  return page;
}

async function videoState(page: Page): Promise<VideoState> {
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    const st = Object.values(
      (window as unknown as { consoleState: Record<string, { errors: string[]; live?: boolean }> })
        .consoleState,
    )[0]!;
    return {
      time: v.currentTime,
      width: v.videoWidth,
      height: v.videoHeight,
      error: v.error?.code ?? null,
      hlsErrors: st.errors,
      live: st.live === true,
    };
  });
}

/** Waits until the video has played `seconds` past where it stood, checking it never errs. */
async function playsFor(page: Page, what: string, seconds: number): Promise<VideoState> {
  const first = await eventually(
    `${what} to start`,
    async () => {
      const s = await videoState(page);
      if (s.error !== null || s.hlsErrors.length > 0)
        throw new Error(`${what}: media error ${JSON.stringify(s)}`);
      return s.time > 0 ? s : undefined;
    },
    60_000,
  );
  return eventually(
    `${what} to advance ${seconds} s`,
    async () => {
      const s = await videoState(page);
      if (s.error !== null || s.hlsErrors.length > 0)
        throw new Error(`${what}: media error ${JSON.stringify(s)}`);
      return s.time >= first.time + seconds ? s : undefined;
    },
    60_000,
  );
}

t.test(
  'headless Chromium plays the console tile live and on demand',
  { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium (scripts/setup.sh installs it)' },
  async (t) => {
    const d = await deploy(t);
    await frontDoor(t, d);
    await runConnector(t, d, { SegmentDurationSeconds: 10 });

    const page = await openConsole(t, d.cloud.console.url);
    t.match(await page.$eval('.tile h2', (h) => h.textContent), /Front door · front-door/);

    const liveClicked = Date.now();
    await page.click('.tile button.live');
    const live = await playsFor(page, 'live video', 3);
    t.match(
      live,
      { width: 320, height: 240, error: null, hlsErrors: [], live: true },
      'live: 320x240 decoded, no error',
    );

    // On demand: the first seconds that went live, played through an ON_DEMAND session.
    const start = Math.floor(liveClicked / 1000) * 1000;
    await eventually('the live upload to cover 6 s', () => {
      const f = d.cloud.kvs.listFragments('front-door', { startMs: start });
      return f.length >= 6 ? true : undefined;
    });
    await page.evaluate(
      (a, b) => {
        const inputs = document.querySelectorAll<HTMLInputElement>('.tile input');
        const x = inputs[0];
        const y = inputs[1];
        const local = (ms: number) =>
          new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 19);
        x!.value = local(a);
        y!.value = local(b);
      },
      start,
      start + 6000,
    );
    await page.click('.tile button.play');
    await eventually('the on-demand session to be loaded', async () =>
      (await page.$eval('.tile .status', (s) => s.textContent ?? '')).startsWith('playing')
        ? true
        : undefined,
    );
    const onDemand = await playsFor(page, 'on-demand video', 2);
    t.match(
      onDemand,
      { width: 320, height: 240, error: null, hlsErrors: [], live: false },
      'on demand: 320x240, no error',
    );
    // The timeline lanes refresh every 5 s: the screenshot shows the on-edge and uploaded ranges too.
    await eventually('the timeline to show cached video', async () =>
      (await page.$$('.tile .edge span')).length > 0 ? true : undefined,
    );
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console.png') });
  },
);

t.test(
  'an H.265 camera in headless Chromium: the tile reports the hvc1 codec and, where the browser cannot decode it, says so instead of staying black',
  { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium (scripts/setup.sh installs it)' },
  async (t) => {
    const d = await deploy(t);
    const camera = await startTestCamera(t, { gopSeconds: 1 });
    const cam = await addCamera(d, {
      name: 'Dock',
      streamName: 'dock-265',
      rtspUrl: camera.url('/cam265'),
      captureStartTime: '* * * * *',
      captureDurationInMinutes: 0,
    });
    await cameraEntity(d, { name: 'Dock', ...cam });
    await runConnector(t, d, { SegmentDurationSeconds: 10 });

    const page = await openConsole(t, d.cloud.console.url);
    await page.click('.tile button.live');

    // What the page learnt from the LIVE session's master playlist, and what this browser says of it.
    const report = await eventually(
      'the LIVE playlist read by the tile',
      () =>
        page.evaluate(() => {
          const st = Object.values(
            (
              window as unknown as {
                consoleState: Record<string, { codecs?: string[]; decodable?: boolean }>;
              }
            ).consoleState,
          )[0]!;
          if (st.codecs === undefined) return undefined;
          return {
            codecs: st.codecs,
            decodable: st.decodable,
            supported: st.codecs.map((c) => MediaSource.isTypeSupported(`video/mp4; codecs="${c}"`)),
            notice: document.querySelector('.tile .notice')!.textContent ?? '',
            noticeShown: getComputedStyle(document.querySelector('.tile .notice')!).display !== 'none',
          };
        }),
      60_000,
    );
    t.match(report.codecs, [/^hvc1\.\d/], 'the playlist declares one hvc1 video codec');
    t.comment(
      `Chromium ${await page.browser().version()}: MediaSource.isTypeSupported(${report.codecs[0]}) = ${report.supported[0]}`,
    );
    if (report.supported[0]) {
      // A browser with HEVC decoding plays it like H.264: no notice, frames decoded.
      t.equal(report.noticeShown, false, 'no notice where the browser decodes H.265');
      const live = await playsFor(page, 'live H.265 video', 3);
      t.match(live, { width: 320, height: 240, error: null, hlsErrors: [] });
    } else {
      t.equal(report.decodable, false);
      t.equal(report.noticeShown, true, 'the tile shows a notice over the video');
      t.match(
        report.notice,
        new RegExp(`cannot decode H\\.265 \\(${report.codecs[0]!.replace(/\./g, '\\.')}\\)`),
      );
      t.match(report.notice, /Safari/, 'and says where it plays');
    }
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-h265.png') });
  },
);
