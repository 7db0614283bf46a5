// CPU and memory of process trees from /proc: utime+stime (field 14+15 of /proc/PID/stat, in USER_HZ
// ticks) and VmRSS (/proc/PID/status). A tree is a root pid and every descendant by parent pid.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc counts CPU time in 1/100 s on Linux. */
export const TICKS_PER_SECOND = 100;

export interface ProcSample {
  pid: number;
  ppid: number;
  ticks: number;
  rssKb: number;
}

function read(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      pid,
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    };
  } catch {
    return undefined; // exited between readdir and read
  }
}

/** Every process on the machine, by pid. */
export function snapshot(): Map<number, ProcSample> {
  const all = new Map<number, ProcSample>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = read(Number(name));
    if (s) all.set(s.pid, s);
  }
  return all;
}

/** The root and its descendants in a snapshot. */
export function tree(all: Map<number, ProcSample>, root: number): ProcSample[] {
  const children = new Map<number, number[]>();
  for (const s of all.values()) {
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const out: ProcSample[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const s = all.get(pid);
    if (!s) continue;
    out.push(s);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/**
 * CPU of a group of processes between two snapshots, as % of one core. A process that started in the
 * window counts from 0; one that ended in the window is missing from the end and not counted.
 */
export function cpuPercent(start: ProcSample[], end: ProcSample[], seconds: number): number {
  const before = new Map(start.map((s) => [s.pid, s.ticks]));
  let ticks = 0;
  for (const s of end) ticks += s.ticks - (before.get(s.pid) ?? 0);
  return (100 * ticks) / TICKS_PER_SECOND / seconds;
}

export function rssMb(group: ProcSample[]): number {
  return group.reduce((sum, s) => sum + s.rssKb, 0) / 1024;
}
