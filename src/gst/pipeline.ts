// The GStreamer pipeline description for one camera run: RTSP over TCP, depayload and parse exactly the
// tracks of the media plan, mux to streamable Matroska on fd 3. No decoder or encoder ever appears.
import type { AudioCodec, MediaPlan, VideoCodec } from './sdp.js';

/** Knobs of the description that are not the media plan. */
export interface PipelineOptions {
  /**
   * rtspsrc jitterbuffer latency. Over TCP nothing is reordered, so the 2 s default only delays
   * data; a small value keeps the live edge fresh. Timestamps do not depend on it.
   */
  latencyMs: number;
}

const VIDEO: Record<VideoCodec, string> = {
  h264: 'rtph264depay ! h264parse',
  h265: 'rtph265depay ! h265parse',
};

const AUDIO: Record<AudioCodec, string> = {
  'aac-generic': 'rtpmp4gdepay ! aacparse',
  'aac-latm': 'rtpmp4adepay ! aacparse',
  // matroskamux takes audio/x-alaw and audio/x-mulaw as they come (A_MS/ACM), no parser needed.
  pcma: 'rtppcmadepay',
  pcmu: 'rtppcmudepay',
};

/** Every GStreamer element a pipeline can use (kvs-edge doctor checks each is installed). */
export function pipelineElements(): string[] {
  const words = [...Object.values(VIDEO), ...Object.values(AUDIO)].flatMap((chain) => chain.split(' ! '));
  return [...new Set(['rtspsrc', ...words, 'matroskamux', 'fdsink'])];
}

/** gst-launch syntax: a double-quoted value with backslash escapes. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The description, with the camera URL (and so the password) inside: hand it to the child on stdin,
 * never on a command line, and never log it without redactUrl.
 */
export function pipelineDescription(url: string, plan: MediaPlan, options: PipelineOptions): string {
  // Caps with encoding-name on each branch make rtspsrc's dynamic pads link only to the right
  // depayloader; any other stream the camera sets up stays unlinked, which rtspsrc tolerates.
  const parts = [
    `rtspsrc name=src location=${quote(url)} protocols=tcp latency=${Math.round(options.latencyMs)}`,
    `src. ! application/x-rtp,media=video,encoding-name=${plan.video.encodingName} ! ${VIDEO[plan.video.codec]} ! mux.`,
  ];
  if (plan.audio) {
    parts.push(
      `src. ! application/x-rtp,media=audio,encoding-name=${plan.audio.encodingName} ! ${AUDIO[plan.audio.codec]} ! mux.`,
    );
  }
  parts.push('matroskamux name=mux streamable=true ! fdsink fd=3');
  return parts.join(' ');
}

/** The same description as gst-launch argv words (only for URLs without a password). */
export function pipelineArgv(description: string): string[] {
  // gst-launch joins argv with spaces and parses the result, so a quoted token may stay whole.
  return description.match(/(?:[^\s"]+|"(?:\\.|[^"\\])*")+/g) ?? [];
}
