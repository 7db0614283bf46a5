// What one camera should be doing at a moment, computed from its schedules and requests alone, so a
// restart in the middle of a window converges to the same state (the reference lost the window).

/** A schedule as the controller sees it: is a window open now, and when does that change? */
export interface WindowSchedule {
  /** `sinceMs`: when the open window began, when known (absent for "always" and when closed). */
  at(nowMs: number): { active: boolean; nextChangeMs: number | undefined; sinceMs?: number };
}

export interface CameraPlan {
  /** CaptureStartTime + CaptureDurationInMinutes. */
  capture: WindowSchedule;
  /** LiveStreamingStartTime + LiveStreamingDurationInMinutes. */
  live: WindowSchedule;
}

export interface Desired {
  record: boolean;
  live: boolean;
  /** Why, in words, for the health line and the log. */
  reasons: string[];
  /** When the answer can next change without any new input; undefined = never. */
  nextChangeMs: number | undefined;
  /** When the current live window began (schedule), if live is on because of a schedule window. */
  liveSinceMs?: number;
}

export function desiredAt(plan: CameraPlan, liveRequestedUntilMs: number, nowMs: number): Desired {
  const capture = plan.capture.at(nowMs);
  const liveWindow = plan.live.at(nowMs);
  const liveRequested = liveRequestedUntilMs > nowMs;
  const reasons: string[] = [];
  if (capture.active) reasons.push('capture window');
  if (liveWindow.active) reasons.push('live window');
  if (liveRequested) reasons.push(`live request until ${new Date(liveRequestedUntilMs).toISOString()}`);
  const live = liveWindow.active || liveRequested;
  const changes = [
    capture.nextChangeMs,
    liveWindow.nextChangeMs,
    liveRequested ? liveRequestedUntilMs : undefined,
  ];
  const next = changes.filter((c): c is number => c !== undefined && c > nowMs);
  return {
    // Everything is recorded first: live implies recording, so a failed uplink can be backfilled.
    record: capture.active || live,
    live,
    reasons,
    nextChangeMs: next.length > 0 ? Math.min(...next) : undefined,
    ...(liveWindow.active && liveWindow.sinceMs !== undefined && { liveSinceMs: liveWindow.sinceMs }),
  };
}

/** A schedule that is always or never active (the reference's literal `* * * * *` and `-`). */
export function constantSchedule(active: boolean): WindowSchedule {
  return { at: () => ({ active, nextChangeMs: undefined }) };
}
