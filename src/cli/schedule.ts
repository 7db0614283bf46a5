// `kvs-edge schedule explain "<expr>" --duration <minutes>`: check a CaptureStartTime /
// LiveStreamingStartTime value before it goes into SiteWise. Says in words what the schedule does and
// lists its next windows; `--json` prints the machine form ({expression, valid, mode, windows} or
// {valid: false, error}). An invalid schedule exits 2 with the first mistake named (and, for Quartz
// expressions written seconds-first, the expression to write instead).
import type { Command } from 'commander';
import { parseSchedule, TimeZone, type Window } from '../schedule/index.js';
import { UsageError, writeJson, type CliIo } from './io.js';

// Enough to see any pattern; a bound keeps a typo like --count 1e9 from hanging the terminal.
const MAX_COUNT = 1000;

export interface ExplainOptions {
  duration?: string;
  from?: string;
  count?: string;
  tz?: string;
}

export interface ExplainedWindow {
  start: string;
  end: string;
  localStart: string;
  localEnd: string;
}

export interface Explanation {
  expression: string;
  valid: true;
  mode: 'never' | 'always' | 'cron';
  timeZone: string;
  durationMinutes?: number;
  windows: ExplainedWindow[];
}

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

/** The schedule's next windows; throws UsageError for bad options and ScheduleError for a bad schedule. */
export function explainSchedule(expression: string, options: ExplainOptions, now = new Date()): Explanation {
  const from = options.from === undefined ? now : new Date(options.from);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from "${options.from}" is not an ISO time`);
  const count = Math.min(integerOption('count', options.count, 5, 1)!, MAX_COUNT);
  const schedule = parseSchedule(expression, { timeZone: options.tz });
  const zone = new TimeZone(schedule.timeZone);
  const base = { expression, valid: true as const, mode: schedule.kind, timeZone: schedule.timeZone };
  if (schedule.kind !== 'cron') return { ...base, windows: [] };
  const duration = integerOption('duration', options.duration, undefined, 0);
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

/** The explanation as a person reads it. */
export function formatExplanation(e: Explanation): string {
  if (e.mode === 'never') return `"${e.expression}": never (the camera does not do this on a schedule)\n`;
  if (e.mode === 'always') return `"${e.expression}": always, all the time (no duration needed)\n`;
  const lines = [
    `"${e.expression}": a window of ${e.durationMinutes} minute${e.durationMinutes === 1 ? '' : 's'} at each start, ` +
      `read in time zone ${e.timeZone}`,
    `next ${e.windows.length} window${e.windows.length === 1 ? '' : 's'} (local time, then UTC):`,
    ...e.windows.map(
      (w) =>
        `  ${w.localStart.replace('T', ' ')} -> ${w.localEnd.slice(11)}   (${w.start.slice(0, 16).replace('T', ' ')}Z)`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerSchedule(program: Command, io: CliIo, done: (code: number) => void): void {
  const schedule = program
    .command('schedule')
    .description('check a CaptureStartTime / LiveStreamingStartTime schedule before it goes into SiteWise');
  schedule
    .command('explain')
    .description("what a schedule does and its next windows ('-' never, '* * * * *' always, or Quartz cron)")
    .argument('<expression>', 'minute hour day-of-month month day-of-week [year], in quotes')
    .option('--duration <minutes>', 'window length in minutes (required for a cron expression)')
    .option('--from <ISO time>', 'list windows that end after this time (default: now)')
    .option('--count <n>', 'how many windows (default 5, at most 1000)')
    .option('--tz <zone>', 'IANA time zone of the expression (default: the system zone)')
    .option(
      '--json',
      'machine-readable output: {expression, valid, mode, timeZone, windows} or {valid: false, error}',
    )
    .action((expression: string, options: ExplainOptions & { json?: boolean }) => {
      try {
        const explanation = explainSchedule(expression, options);
        if (options.json) writeJson(io.out, explanation);
        else io.out.write(formatExplanation(explanation));
        done(0);
      } catch (err) {
        if (!(err instanceof Error) || err.name === 'TypeError') throw err;
        if (options.json) writeJson(io.out, { expression, valid: false, error: err.message });
        else io.err.write(`kvs-edge schedule explain: ${err.message}\n`);
        // An unusable schedule or option is a usage mistake: exit 2 either way.
        done(2);
      }
    });
}
