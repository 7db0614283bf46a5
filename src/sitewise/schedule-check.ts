// Camera schedules are validated with the schedule module's Quartz parser, so a camera with a bad
// cron or a duration longer than the gap between two starts is skipped at discovery, with the reason.
import { parseSchedule, ScheduleError } from '../schedule/index.js';
import type { ScheduleCheck } from './camera-config.js';

/** A ScheduleCheck for schedules read in `timeZone` (the component's TimeZone; system zone when empty). */
export function quartzScheduleCheck(timeZone?: string, now: () => Date = () => new Date()): ScheduleCheck {
  return (expression, durationMinutes) => {
    try {
      parseSchedule(expression, timeZone === undefined ? {} : { timeZone }).checkDuration(
        durationMinutes,
        now(),
      );
      return undefined;
    } catch (err) {
      if (err instanceof ScheduleError) return err.message;
      throw err;
    }
  };
}
