import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { TrainingRecord } from '../db/trainingRepository.ts';
import { waitForOtherTrainer } from './otherTrainer.ts';

const training = (pid: number | null) => ({ id: 7, pid }) as TrainingRecord;
const live = (...args: string[]) => spawn('/usr/bin/python3', ['-c', 'import time; time.sleep(60)', ...args]);

describe('waitForOtherTrainer', () => {
  it('waits for a live trainer of the training, then names it; a dead or foreign process id does not count', async () => {
    const trainer = live('-m', 'training.finetune');
    const other = live('not-a-trainer');
    try {
      await new Promise((r) => setTimeout(r, 200));
      const signal = new AbortController().signal;
      expect(await waitForOtherTrainer(training(trainer.pid!), signal, 300)).toMatch(
        new RegExp(`^training 7 is still running in process ${trainer.pid} \\(another window or app`),
      );
      expect(await waitForOtherTrainer(training(other.pid!), signal, 300)).toBeNull(); // a reused process id
      expect(await waitForOtherTrainer(training(null), signal, 300)).toBeNull();
      const waiting = waitForOtherTrainer(training(trainer.pid!), signal, 30_000);
      setTimeout(() => trainer.kill('SIGKILL'), 300);
      expect(await waiting).toBeNull(); // it stopped (its checkpoint written): the way is free
    } finally {
      trainer.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
