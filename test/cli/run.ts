// Runs one kvs-edge command line in this process, as the binary would, and collects what it printed.
import { runCli, type CliHooks } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function kvsEdge(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { tty?: boolean; hooks?: CliHooks } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    {
      out: { write: (s: string) => (out += s), isTTY: options.tty ?? false },
      err: { write: (s: string) => (err += s), isTTY: options.tty ?? false },
      env,
    },
    options.hooks,
  );
  return { code, out, err };
}
