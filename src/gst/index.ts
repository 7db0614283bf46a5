// Camera source: RTSP camera in, KVS-ready Matroska fragments out.
//
// A CameraSource asks the camera what it offers (one RTSP DESCRIBE with Basic or Digest auth), builds a
// GStreamer pipeline for exactly those tracks (H.264/H.265 video, AAC/G.711 audio; never a transcode),
// and runs it as a child process that writes streamable Matroska to fd 3. The pipeline text, with the
// camera URL and password, goes to the child on stdin (python3-gi launcher), never on its command line.
// Node drains fd 3 at once into the mkv Fragmenter and hands every Fragment to onFragment; consumers
// queue on their own. Any end of a run nobody asked for (error, EOS, no bytes for watchdogMs) is
// classified (unauthorized, not-found, unreachable, timeout, unsupported-codec, other) and the run is
// restarted with exponential backoff; each restart begins a new header generation. stop() sends SIGINT
// so the child writes EOS, then SIGKILL after a grace period. GstProcesses owns the children of all
// sources (main.ts makes one), so the component's one signal path can stop whatever is left.
export {
  CameraSource,
  DEFAULT_TIMING,
  type CameraSourceOptions,
  type SourceTiming,
} from './camera-source.js';
export type { SourceHealth, SourceState } from './health.js';
export { CameraFailure, type FailureClass } from './failures.js';
export { GstProcesses, type LauncherKind } from './launcher.js';
export { pipelineDescription } from './pipeline.js';
export { RunnerPool, type RunnerPoolOptions } from './pool.js';
export type { MediaPlan, VideoCodec, AudioCodec } from './sdp.js';
