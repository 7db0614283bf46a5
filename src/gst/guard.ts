// The process-level guard: when Node itself is told to quit (SIGINT from a terminal or from Greengrass,
// SIGTERM from a service manager), stop every camera source the proper way (SIGINT to each child so
// it writes EOS and the last fragment is flushed; SIGKILL after the grace period), then exit. Without it
// Node would die at once and, with the children in their own process groups, leave them behind.
import os from 'node:os';
import { liveSources } from './camera-source.js';
import { stopAllChildren } from './launcher.js';

/** Guard settings. */
export interface GuardOptions {
  /** Wait this long after the sources' own stop before SIGKILLing stragglers. Default 5000. */
  graceMs?: number;
  /** Exit the process once everything has stopped (re-raising the signal). Default true. */
  exit?: boolean;
  /** Called before the sources are stopped, e.g. to log. */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/** Stops every live camera source and any pipeline child left over. */
export async function stopAllSources(graceMs = 5000): Promise<void> {
  await Promise.all(liveSources().map((s) => s.stop()));
  await stopAllChildren(graceMs);
}

/** Installs SIGINT/SIGTERM handlers; returns a function that removes them. */
export function installProcessGuard(options: GuardOptions = {}): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return; // a second signal while stopping changes nothing; the grace timers run
    stopping = true;
    options.onSignal?.(signal);
    void stopAllSources(options.graceMs ?? 5000).finally(() => {
      if (options.exit === false) return;
      uninstall();
      // The shell convention for death by a signal, in case Node runs out of work before the
      // re-raised signal is delivered.
      process.exitCode = 128 + (os.constants.signals[signal] ?? 0);
      process.kill(process.pid, signal);
    });
  };
  const uninstall = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return uninstall;
}
