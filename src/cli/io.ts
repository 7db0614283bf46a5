// What every command writes to and reads from. Tests pass their own; results go to `out`, messages
// and progress to `err`, so `kvs-edge x --json | jq` always gets clean JSON.
export interface Writer {
  write(text: string): unknown;
  /** True when a person is watching (a terminal): progress bars and colours only then. */
  isTTY?: boolean;
}

export interface CliIo {
  out: Writer;
  err: Writer;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { out: process.stdout, err: process.stderr, env: process.env };
}

/** The command line itself is wrong: exit 2, the message and a hint on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran and failed for a reason the message explains: exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function writeJson(out: Writer, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
