#!/usr/bin/env node
// The kvs-edge command line. Each subcommand lives in its own file; this one only dispatches.
import { REQUEST_USAGE, runRequest } from './request.js';
import { runSchedule } from './schedule.js';

const USAGE = `usage: kvs-edge <command>

commands:
  start            run the component (as Greengrass does)
  request          send a VideoUploadRequest as the video player does: ${REQUEST_USAGE}
  schedule explain check a schedule: kvs-edge schedule explain "<cron>" --duration <minutes>
  vod              MediaPackage VOD: publish a clip, setup a packaging group, harvest, status
  help             this text`;

export async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { runComponent } = await import('../main.js');
      // See main.ts: once stopped, the process ends even if aws-crt still holds a native handle.
      return process.exit(await runComponent({ argv: rest }));
    }
    case 'request':
      return runRequest(rest);
    case 'schedule':
      return runSchedule(rest);
    case 'vod': {
      // Loaded on demand so that `start` does not carry the S3 and MediaPackage clients.
      const { runVod } = await import('./vod.js');
      return runVod(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`kvs-edge: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await cli(process.argv.slice(2));
