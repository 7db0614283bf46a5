// Schedules: when a camera records or streams live on its own, from the SiteWise attributes
// CaptureStartTime / LiveStreamingStartTime and their durations in minutes.
//
// The dialect is the reference component's: `-` never, `* * * * *` always, otherwise Quartz cron with
// 5 fields (minute hour day-of-month month day-of-week) and an optional year, exactly one of the two
// day fields `?`, day-of-week 1-7 = SUN-SAT, and L, W, # where Quartz allows them. Start times are
// local times in one IANA zone (component key TimeZone, default the system zone); each start opens a
// window of the configured duration.
//
// The runtime asks windowAt(schedule, minutes, now) what should be running and when to ask again,
// so a restart inside a window resumes it; waitUntil is the one cancellable timer that re-reads the
// wall clock (NTP steps on gateways without a real-time clock).
// This folder imports nothing from the rest of the app. docs/schedules.md describes the dialect.
export { ScheduleError, type ScheduleErrorCode, type CronField } from './errors.js';
export { Schedule, parseSchedule, type ScheduleKind, type ScheduleOptions, type Window } from './schedule.js';
export { windowAt, type WindowState } from './window.js';
export { waitUntil, MAX_TIMEOUT_MS, type WaitOptions, type Timers } from './timer.js';
export { TimeZone, isValidTimeZone, systemTimeZone } from './time-zone.js';
