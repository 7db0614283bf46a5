// Test kit: what the component's tests and benchmarks need beside the services themselves. encodeClip
// is the one encoder of test video. The media checks run the independent tools (ffprobe, ffmpeg,
// mkvinfo), so a bug in the component's own Matroska code cannot hide behind a check written with it;
// childEnv keeps tap's coverage hook out of Node children a test spawns.
export { childEnv, tsChild } from './child-env.js';
export { encodeClip, videoSourceArgs, writeClip, type ClipOptions } from './clip.js';
export { decodeAll, ffprobe, mkvinfo, packetTimes, type ProbeResult, type ProbeStream } from './media.js';
export { createTestPki, type TestPki } from './pki.js';
