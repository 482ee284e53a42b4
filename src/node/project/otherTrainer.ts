import { readFileSync } from 'node:fs';
import type { TrainingRecord } from '../db/trainingRepository.ts';
import { ownerAlive, processExists, type ProcessOwner } from '../training/processOwner.ts';

/** Whether process `pid` is alive and (where /proc tells) one of this project's trainers, not a reused number. */
function trainerAlive(pid: number): boolean {
  if (!processExists(pid)) return false;
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

/**
 * A training of this project whose trainer runs now in another process (an app's window, the web server,
 * `simplepose train`), other than `except` (the one a resume takes up, waited for above): what refuses a second one.
 */
export function trainingElsewhere(trainings: TrainingRecord[], except: number | null): string | null {
  const t = trainings.find((x) => x.status === 'running' && x.id !== except && x.pid !== null && trainerAlive(x.pid));
  return t ? runningIn(t.id, t.pid!) : null;
}

/**
 * Who holds the project's trainer now (`trainer_claim`: a job of a live process, this one's included), in words;
 * null when nobody does — never claimed, released, or its process gone (even killed by kill -9).
 */
export function trainerHolder(claim: (ProcessOwner & { trainingId: number }) | undefined): string | null {
  return claim && ownerAlive(claim) ? runningIn(claim.trainingId, claim.pid) : null;
}

const runningIn = (id: number, pid: number) =>
  `training ${id} of this project is running in process ${pid} (another window, the web server or simplepose train): wait for it or stop it there`;
