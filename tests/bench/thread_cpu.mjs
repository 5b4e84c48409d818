// Per-thread CPU time of this process (Linux /proc/self/task; utime + stime, 10 ms ticks), for the
// benches and tests that split work over the threads build: with 2 threads, the busier thread's CPU
// bounds the wall time two free cores would take, whatever else the machine is running.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ms of each thread of this process, by thread id, or null where /proc is not there. */
export function threadCpuMs() {
  try {
    const ms = new Map();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms.set(tid, 10 * (Number(fields[11]) + Number(fields[12])));
    }
    return ms;
  } catch {
    return null;
  }
}

/** The two busiest threads' CPU ms between two threadCpuMs() snapshots (null if either is null). */
export function busiestThreadsMs(before, after) {
  if (!before || !after) return null;
  return [...after].map(([tid, ms]) => ms - (before.get(tid) ?? 0)).sort((a, b) => b - a).slice(0, 2);
}
