// `kvs-edge schedule explain "<expr>" --duration <minutes> [--from <ISO>] [--count <n>] [--tz <zone>]`:
// check a CaptureStartTime / LiveStreamingStartTime value before it goes into SiteWise. Prints JSON
// on stdout; an invalid expression, duration, zone or option prints {"valid": false, "error"} and
// exits with 2.
import { parseArgs } from 'node:util';
import { parseSchedule, TimeZone, type Window } from '../schedule/index.js';

const USAGE = `usage: kvs-edge schedule explain "<expression>" --duration <minutes> [--from <ISO time>] [--count <n>] [--tz <zone>]

  expression   '-' never, '* * * * *' always, or Quartz cron: minute hour day-of-month month day-of-week [year]
  --duration   window length in minutes (required for a cron expression)
  --from       list windows that end after this time (default: now)
  --count      how many windows (default 5, at most 1000)
  --tz         IANA time zone of the expression (default: the system zone)`;

// Enough to see any pattern; a bound keeps a typo like --count 1e9 from hanging the terminal.
const MAX_COUNT = 1000;

/** Where the command writes; tests capture it. */
export interface Output {
  write(text: string): unknown;
}

const OPTIONS = {
  duration: { type: 'string' },
  from: { type: 'string' },
  count: { type: 'string' },
  tz: { type: 'string' },
} as const;

class UsageError extends Error {}

function localIso(instant: Date, zone: TimeZone): string {
  const offsetMinutes = Math.round(zone.offsetAt(instant.getTime()) / 60_000);
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function integerOption(name: string, text: string | undefined, fallback: number | undefined, min: number) {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= min)) throw new UsageError(`--${name} must be a whole number >= ${min}, got "${text}"`);
  return value;
}

function explain(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (positionals.length !== 1) {
    throw new UsageError(`expected one expression in quotes, got ${positionals.length} arguments`);
  }
  const expression = positionals[0]!;
  const from = values.from === undefined ? new Date() : new Date(values.from);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from "${values.from}" is not an ISO time`);
  const count = Math.min(integerOption('count', values.count, 5, 1)!, MAX_COUNT);
  const schedule = parseSchedule(expression, { timeZone: values.tz });
  const zone = new TimeZone(schedule.timeZone);
  const base = { expression, valid: true, mode: schedule.kind, timeZone: schedule.timeZone };
  if (schedule.kind !== 'cron') return { ...base, windows: [] };
  const duration = integerOption('duration', values.duration, undefined, 0);
  if (duration === undefined) throw new UsageError('--duration <minutes> is required for a cron expression');
  schedule.checkDuration(duration, from);
  const show = (w: Window) => ({
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    localStart: localIso(w.start, zone),
    localEnd: localIso(w.end, zone),
  });
  return { ...base, durationMinutes: duration, windows: schedule.windows(duration, from, count).map(show) };
}

// For the error report only: the expression as far as it can be made out of bad arguments.
function guessExpression(args: string[]): string {
  return parseArgs({ args, strict: false, allowPositionals: true, options: OPTIONS }).positionals[0] ?? '';
}

/** Runs `kvs-edge schedule ...`; resolves to the exit code. */
export async function runSchedule(
  args: string[],
  stdout: Output = process.stdout,
  stderr: Output = process.stderr,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  const expression = guessExpression(rest);
  try {
    if (sub !== 'explain') throw new UsageError(`unknown schedule command "${sub ?? ''}"; try: explain`);
    stdout.write(`${JSON.stringify(explain(rest), null, 2)}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    stdout.write(`${JSON.stringify({ expression, valid: false, error: message }, null, 2)}\n`);
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      stderr.write(`${USAGE}\n`);
    }
    return 2;
  }
}
