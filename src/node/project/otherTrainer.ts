import { readFileSync } from 'node:fs';
import type { TrainingRecord } from '../db/trainingRepository.ts';

/** Whether process `pid` is alive and (where /proc tells) one of this project's trainers, not a reused number. */
function trainerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return /training\.(finetune|train)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return pid !== process.pid; // no /proc (macOS, Windows): a live process of that id counts
  }
}

/**
 * An interrupted training is taken up only once the process that ran it is gone. The app killed (even by kill -9),
 * its trainer notices and stops at its next step with a checkpoint (`--exit-with-parent`): wait for that, up to
 * `waitMs`. Still alive then: another app trains this project now; null when the way is free.
 */
export async function waitForOtherTrainer(
  t: TrainingRecord,
  signal: AbortSignal,
  waitMs = 60_000,
): Promise<string | null> {
  if (t.pid === null || t.pid === process.pid) return null;
  const until = Date.now() + waitMs;
  while (trainerAlive(t.pid)) {
    if (signal.aborted || Date.now() > until)
      return `training ${t.id} is still running in process ${t.pid} (another window or app of this project): stop it there, or wait for it`;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}
