import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size now and at its peak (VmRSS, VmHWM) of the largest process in a process group, in MB (Linux). */
export function processGroupMemoryMb(pgid: number): { rssMb: number; peakMb: number } {
  let rssMb = 0;
  let peakMb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command name (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      rssMb = Math.max(rssMb, kb('VmRSS') / 1024);
      peakMb = Math.max(peakMb, kb('VmHWM') / 1024);
    } catch {
      // the process ended while we looked
    }
  }
  return { rssMb: Math.round(rssMb), peakMb: Math.round(peakMb) };
}
