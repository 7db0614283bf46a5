// The local console in a real browser: headless Chromium (Debian's) opens the page the local cloud
// serves, presses "Live" on an H.264 camera run by the connector, and the <video> element plays the
// player's LIVE HLS session (currentTime advances, 320x240 decoded, no media error); then it plays a
// range of what went live on demand. A screenshot is kept in .tap/console.png.
/// <reference lib="dom" />
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { deploy, eventually, runConnector } from '../connector/fixtures.js';
import { frontDoor } from './fixtures.js';

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

    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 560 });
    await page.goto(d.cloud.console.url);
    await page.waitForSelector('.tile button.live');
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
