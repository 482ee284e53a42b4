import { readFileSync } from 'node:fs';

/**
 * Who holds a project-wide role (the project's trainer, a running model comparison): a process, told apart from a
 * later one that reuses its id by its start time, and the job in it. Kept in the project's database by the role's
 * repository; whether it still holds the role is asked of the OS, so a holder killed (even by kill -9) releases it
 * at once, with no lease to wait out.
 */
export interface ProcessOwner {
  pid: number;
  /** Linux: /proc/PID/stat's starttime (clock ticks since boot); null where the OS does not say. */
  started: string | null;
  token: string;
}

/** The jobs of this process that hold a role now (a role held by this process but not listed here is released). */
const heldHere = new Set<string>();

/** Whether process `pid` exists (EPERM: alive, another user's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time (Linux /proc; null elsewhere or when it is gone). A zombie counts as gone: "Z". */
export function processStarted(pid: number): string | null | 'gone' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? 'gone' : (fields[19] ?? null);
}

/** This process as the holder of a role for job `token` (held from now until `releaseHere`). */
export function ownerHere(token: string): ProcessOwner {
  heldHere.add(token);
  const started = processStarted(process.pid);
  return { pid: process.pid, started: started === 'gone' ? null : started, token };
}

/** This process lets go of what job `token` held (what its database row says no longer counts). */
export function releaseHere(token: string): void {
  heldHere.delete(token);
}

/** Whether the owner recorded still holds its role: its job running in this process, or its process alive. */
export function ownerAlive(o: ProcessOwner): boolean {
  if (o.pid === process.pid) return heldHere.has(o.token);
  if (!processExists(o.pid)) return false;
  const started = processStarted(o.pid);
  if (started === 'gone') return false;
  return started === null || o.started === null || started === o.started;
}
