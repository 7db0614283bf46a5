// Media helpers of the component's tests: the one test video encoder (encodeClip) and the independent
// checks (ffprobe, ffmpeg, mkvinfo) come from the local cloud's test kit; fragmentsOf cuts a capture with the component's own Fragmenter.
import { Fragmenter, type Fragment } from '../../src/mkv/index.js';

export {
  decodeAll,
  encodeClip,
  videoSourceArgs,
  writeClip,
  type ClipOptions,
  ffprobe,
  mkvinfo,
  packetTimes,
  type ProbeResult,
  type ProbeStream,
} from '@kvs-edge/localcloud/testkit';

// Above the camera sources' own per-process counter, so test fragments never share a generation
// number with fragments from a live source in the same process.
let generation = 1000;

/** A Matroska capture (matroskamux output) cut into fragments whose first frame is at epochBaseMs. */
export function fragmentsOf(bytes: Buffer, epochBaseMs: number): Fragment[] {
  const out: Fragment[] = [];
  const f = new Fragmenter({
    epochBaseMs,
    nextGeneration: () => ++generation,
    onFragment: (x) => out.push(x),
  });
  f.push(bytes);
  f.end();
  return out;
}
