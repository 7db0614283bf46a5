// npm run bench:upload — historical upload of one hour of 1080p 4 Mbit/s recordings to the local
// PutMedia endpoint, next to only reading the same files, plus the live latency distribution
// (fragment end -> RECEIVED ACK) on loopback. Method and figures: docs/performance.md, "KVS upload".
//
// The KVS stand-in (and its token exchange service) runs in a child process started from this same
// file with --serve, so the uploader's RSS is measured alone. One real 1 s GOP of 1080p H.264 is
// encoded once; the hour is that GOP repeated with rewritten cluster timecodes.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { createLogger } from '../src/log/index.js';
import type { Fragment } from '../src/mkv/index.js';
import { encodeClip, fragmentsOf } from '../test/helpers/media.js';
import { openStore } from '../src/store/index.js';
import { sdkStreamControl } from '../src/aws/index.js';
import { CachedCredentials, StreamUploader } from '../src/kvs/index.js';
import { startKvsService } from '@kvs-edge/localcloud';
import { CredentialAuthority, startTokenExchangeService } from '@kvs-edge/localcloud';

const log = createLogger({ level: 'warn' });
const MINUTES = Number(process.env.BENCH_MINUTES ?? 60);
const LIVE_FRAGMENTS = Number(process.env.BENCH_LIVE_FRAGMENTS ?? 30);

if (process.argv.includes('--serve')) {
  const authority = new CredentialAuthority();
  const tes = await startTokenExchangeService({ authority });
  // The stand-in keeps fragments in RAM; only their metadata matters here, so nothing is kept on disk.
  const kvs = await startKvsService({ credentials: authority, streamActivationDelayMs: 0 });
  process.stdout.write(
    JSON.stringify({ endpoint: kvs.endpoint, uri: tes.credentialsUri, token: tes.authToken }) + '\n',
  );
  process.on('SIGINT', () => void Promise.all([kvs.stop(), tes.stop()]).then(() => process.exit(0)));
} else {
  await main();
}

async function encodeGop(): Promise<{ header: Fragment['header']; cluster: Buffer; durationMs: number }> {
  // Snow does not compress, so every GOP is written at the bitrate asked for.
  const bytes = await encodeClip({
    seconds: 3,
    width: 1920,
    height: 1080,
    fps: 30,
    pattern: 'snow',
    bitrateKbps: 4000,
  });
  const out = fragmentsOf(bytes, 0);
  const gop = out[1] ?? out[0];
  if (!gop) throw new Error('no fragment encoded');
  return { header: gop.header, cluster: gop.bytes, durationMs: Math.round(gop.endMs - gop.startMs) };
}

/** The template cluster with its 8-byte Timecode value (ID E7, size 0x88) set to startMs. */
function retimed(template: Buffer, startMs: number): Buffer {
  const at = template.indexOf(Buffer.from([0xe7, 0x88]));
  if (at < 0 || at > 16) throw new Error('cluster without an 8-byte timecode near its start');
  const copy = Buffer.from(template);
  copy.writeBigUInt64BE(BigInt(startMs), at + 2);
  return copy;
}

/** utime + stime of a process in ms (Linux /proc; clock ticks are 100 Hz). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const gop = await encodeGop();
  const count = Math.round((MINUTES * 60_000) / gop.durationMs);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-upload-'));
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const info = await new Promise<{ endpoint: string; uri: string; token: string }>((resolve) =>
      server.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as never)),
    );
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = info.uri;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = info.token;
    const store = await openStore(dir, { log, fsyncIntervalMs: 60_000 });
    const cam = 'bench-cam';
    const w = store.writer(cam);
    const base = Date.now() - (MINUTES + 5) * 60_000;
    let t0 = performance.now();
    for (let i = 0; i < count; i += 1) {
      const startMs = base + i * gop.durationMs;
      const bytes = retimed(gop.cluster, startMs);
      w.append({ startMs, endMs: startMs + gop.durationMs, keyframe: true, bytes, header: gop.header });
      if (i % 8 === 7) await w.flush();
    }
    await w.flush();
    const writeS = (performance.now() - t0) / 1000;
    const endMs = base + count * gop.durationMs;
    const totalBytes = count * gop.cluster.length;

    // Only reading the same files, as the uploader does.
    t0 = performance.now();
    let readBytes = 0;
    for await (const f of store.read(cam, base, endMs)) readBytes += f.bytes.length;
    const readS = (performance.now() - t0) / 1000;

    const client = new KinesisVideoClient({
      region: 'us-east-1',
      endpoint: info.endpoint,
      credentials: fromNodeProviderChain(),
    });
    const mk = (stream: string) =>
      new StreamUploader({
        streamName: stream,
        region: 'us-east-1',
        control: sdkStreamControl(client),
        credentials: new CachedCredentials(fromNodeProviderChain()),
        log,
        provision: { retentionHours: 24 },
        reader: { read: (s, e) => store.read(cam, s, e) },
        ledger: {
          covers: (s, e) => store.ledger.isPersisted(cam, s, e),
          add: (r) => store.ledger.add(cam, r.startMs, r.endMs),
        },
      });
    const u = mk('bench-hist');
    u.start();
    let maxRss = 0;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 200);
    const cpu0 = process.cpuUsage();
    const serverCpu0 = await cpuMs(server.pid ?? 0);
    t0 = performance.now();
    const job = u.uploadRange(base, endMs);
    const result = await job.done;
    const uploadS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const serverCpu = (await cpuMs(server.pid ?? 0)) - serverCpu0;
    clearInterval(sampler);
    await u.stop();

    // Live: one fragment per fragment duration, each ending "now", as a camera would deliver it.
    const live = mk('bench-live');
    live.start();
    live.setLive(true);
    const latencies: number[] = [];
    live.on('received', (e) => latencies.push(e.atMs - e.endMs));
    for (let i = 0; i < LIVE_FRAGMENTS; i += 1) {
      const now = Date.now();
      const startMs = now - gop.durationMs;
      live.pushLive({
        startMs,
        endMs: now,
        keyframe: true,
        bytes: retimed(gop.cluster, startMs),
        header: gop.header,
      });
      await new Promise((r) => setTimeout(r, gop.durationMs));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < LIVE_FRAGMENTS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await live.stop();
    client.destroy();
    await store.close();

    latencies.sort((a, b) => a - b);
    const mediaS = (count * gop.durationMs) / 1000;
    const rows = {
      result,
      fragments: count,
      fragmentMs: gop.durationMs,
      fragmentKB: Math.round(gop.cluster.length / 1024),
      mediaMinutes: mediaS / 60,
      totalMB: Math.round(totalBytes / 1e6),
      bitrateMbps: +((gop.cluster.length * 8) / gop.durationMs / 1000).toFixed(2),
      writeStoreS: +writeS.toFixed(1),
      readOnlyS: +readS.toFixed(2),
      readOnlyMBps: Math.round(readBytes / 1e6 / readS),
      uploadS: +uploadS.toFixed(2),
      uploadMBps: Math.round(totalBytes / 1e6 / uploadS),
      uploadRealTimeMultiple: Math.round(mediaS / uploadS),
      uploadToReadRatio: +(uploadS / readS).toFixed(2),
      uploaderCpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / (uploadS * 1000)) * 100),
      standInCpuPercentOfOneCore: Math.round((serverCpu / (uploadS * 1000)) * 100),
      uploaderMaxRssMB: Math.round(maxRss / 1e6),
      liveSamples: latencies.length,
      liveLatencyMs: {
        min: latencies[0],
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.at(-1),
      },
    };
    console.log(JSON.stringify(rows, null, 2));
  } finally {
    server.kill('SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
}
