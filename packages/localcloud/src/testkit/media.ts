// Independent media checks: ffprobe and mkvinfo read what our code wrote, so a bug in our own parser
// cannot hide a bug in our own writer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbeStream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  start_time?: string;
  duration?: string;
}

export interface ProbeResult {
  streams: ProbeStream[];
  format: { format_name: string; start_time?: string; duration?: string; tags?: Record<string, string> };
}

export async function ffprobe(file: string): Promise<ProbeResult> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as ProbeResult;
}

/** Frame count per stream after decoding every frame; throws when ffmpeg reports a decode error. */
export async function decodeAll(file: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Packet timestamps (seconds) of one stream, as ffprobe reads them. */
export async function packetTimes(file: string, stream = 'v:0'): Promise<{ pts: number; key: boolean }[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time,flags', '-of', 'json', file],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout) as { packets: { pts_time: string; flags: string }[] };
  return parsed.packets.map((p) => ({ pts: Number(p.pts_time), key: p.flags.includes('K') }));
}

export async function mkvinfo(file: string): Promise<string> {
  const { stdout } = await run('mkvinfo', [file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
