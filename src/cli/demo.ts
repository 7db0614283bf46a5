// `kvs-edge demo`. Until the connector runtime lands this is the camera smoke check: a local test
// camera, one gst-launch pipeline into Node over fd 3, a few seconds of Matroska, and a clean SIGINT stop.
import { spawn } from 'node:child_process';
import { startTestCamera } from '../localcloud/camera.js';

export async function runDemo(_args: string[]): Promise<number> {
  console.log('demo: the connector runtime is not built yet; running the camera smoke check instead');
  const camera = await startTestCamera({ user: 'demo', password: 'demo-pass' });
  console.log(`demo: test camera on rtsp://127.0.0.1:${camera.port}/cam (pid ${camera.pid})`);
  const gst = spawn(
    'gst-launch-1.0',
    [
      '-e',
      'rtspsrc',
      `location=${camera.url('/cam')}`,
      'protocols=tcp',
      '!',
      'rtph264depay',
      '!',
      'h264parse',
      '!',
      'matroskamux',
      'streamable=true',
      '!',
      'fdsink',
      'fd=3',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  let bytes = 0;
  gst.stdio[3]!.on('data', (d: Buffer) => (bytes += d.length));
  const seconds = 5;
  for (let i = 1; i <= seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`demo: ${i}/${seconds} s, ${bytes} bytes of Matroska from the camera`);
  }
  const exited = new Promise<number | null>((resolve) => gst.once('exit', (code) => resolve(code)));
  gst.kill('SIGINT');
  const code = await exited;
  await camera.stop();
  console.log(`demo: gst-launch stopped with exit code ${code}; ${bytes} bytes received`);
  return code === 0 && bytes > 0 ? 0 : 1;
}
