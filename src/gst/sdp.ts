// The camera's SDP (from RTSP DESCRIBE) turned into a media plan: which video codec and which audio
// codec, if any, the pipeline must depayload. Nothing here transcodes, so anything outside the
// supported set is refused by name.
import { failureFor, type FailureContext } from './failures.js';

/** One m= section of an SDP. */
export interface SdpMedia {
  media: string;
  payloadType: number;
  /** Upper-case RTP encoding name, e.g. H264, H265, MPEG4-GENERIC, PCMA. */
  encodingName: string;
  clockRate?: number;
  channels?: number;
  fmtp: Record<string, string>;
}

/** Video codecs recorded as they arrive. */
export type VideoCodec = 'h264' | 'h265';
/** Audio codecs recorded as they arrive (AAC in its two RTP packings, G.711 A-law and mu-law). */
export type AudioCodec = 'aac-generic' | 'aac-latm' | 'pcma' | 'pcmu';

/** What one pipeline run will carry. */
export interface MediaPlan {
  video: { codec: VideoCodec; encodingName: string };
  audio?: { codec: AudioCodec; encodingName: string };
  /** Audio the camera offered that we skip (codec not supported), for a log line. */
  skippedAudio?: string;
}

// RFC 3551 static payload types carry no rtpmap line on many cameras.
const STATIC_PT: Record<number, string> = { 0: 'PCMU', 8: 'PCMA', 26: 'JPEG', 14: 'MPA', 32: 'MPV' };

// Readable names for codecs cameras commonly offer that we cannot record without transcoding.
const CODEC_NAMES: Record<string, string> = {
  JPEG: 'Motion JPEG (MJPEG)',
  'MP4V-ES': 'MPEG-4 Part 2 video',
  H263: 'H.263',
  'H263-1998': 'H.263',
  VP8: 'VP8',
  VP9: 'VP9',
  AV1: 'AV1',
  MPV: 'MPEG-1/2 video',
};

export function parseSdp(sdp: string): SdpMedia[] {
  const out: SdpMedia[] = [];
  let current: SdpMedia | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [media = '', , , fmt = ''] = line.slice(2).split(/\s+/);
      const payloadType = Number(fmt);
      current = {
        media,
        payloadType,
        encodingName: STATIC_PT[payloadType] ?? '',
        fmtp: {},
      };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const rtpmap = /^a=rtpmap:(\d+)\s+([^/\s]+)(?:\/(\d+))?(?:\/(\d+))?/.exec(line);
    if (rtpmap && Number(rtpmap[1]) === current.payloadType) {
      current.encodingName = rtpmap[2]!.toUpperCase();
      if (rtpmap[3]) current.clockRate = Number(rtpmap[3]);
      if (rtpmap[4]) current.channels = Number(rtpmap[4]);
      continue;
    }
    const fmtp = /^a=fmtp:(\d+)\s+(.*)$/.exec(line);
    if (fmtp && Number(fmtp[1]) === current.payloadType) {
      for (const pair of fmtp[2]!.split(';')) {
        const eq = pair.indexOf('=');
        if (eq > 0) current.fmtp[pair.slice(0, eq).trim().toLowerCase()] = pair.slice(eq + 1).trim();
      }
    }
  }
  return out;
}

function audioCodec(m: SdpMedia): AudioCodec | undefined {
  switch (m.encodingName) {
    case 'MPEG4-GENERIC':
      // Only the AAC modes; mode=CELP-* would be speech codecs matroskamux cannot carry.
      return /^AAC-/i.test(m.fmtp.mode ?? 'AAC-hbr') ? 'aac-generic' : undefined;
    case 'MP4A-LATM':
      return 'aac-latm';
    case 'PCMA':
      return 'pcma';
    case 'PCMU':
      return 'pcmu';
    default:
      return undefined;
  }
}

/** Choose the tracks to record; throws CameraFailure(unsupported-codec) naming the codec. */
export function planMedia(streams: SdpMedia[], audioEnabled: boolean, ctx: FailureContext): MediaPlan {
  const videos = streams.filter((s) => s.media === 'video');
  const video = videos.find((s) => s.encodingName === 'H264' || s.encodingName === 'H265');
  if (!video) {
    const offered = videos.map(
      (s) => CODEC_NAMES[s.encodingName] ?? (s.encodingName || `payload ${s.payloadType}`),
    );
    throw failureFor('unsupported-codec', ctx, offered.length ? offered.join(', ') : 'no video track');
  }
  const plan: MediaPlan = {
    video: { codec: video.encodingName === 'H264' ? 'h264' : 'h265', encodingName: video.encodingName },
  };
  if (!audioEnabled) return plan;
  const audios = streams.filter((s) => s.media === 'audio');
  const audio = audios.find((s) => audioCodec(s) !== undefined);
  if (audio) plan.audio = { codec: audioCodec(audio)!, encodingName: audio.encodingName };
  else if (audios.length)
    plan.skippedAudio = audios.map((s) => s.encodingName || `payload ${s.payloadType}`).join(', ');
  return plan;
}
