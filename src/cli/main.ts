#!/usr/bin/env node
// The installed `kvs-edge` binary: runs one command line (program.ts) and ends with its exit code.
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), undefined, {
  start: async (argv) => {
    const { runComponent } = await import('../main.js');
    // See main.ts: once stopped, the process ends even if aws-crt still holds a native handle.
    return process.exit(await runComponent({ argv }));
  },
});
process.exitCode = code;
