// The training's state written while its trainer runs, on a full disk (the project's database on a 1 MiB tmpfs,
// filled; needs root, as in CI): the write happens inside the trainer's output handler, where a throw would take
// the whole app (the server, the window) down; instead the failure is said once and the training goes on.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import type { ServiceContext } from './projectService.ts';
import { TrainWatch } from './trainWatch.ts';
import { MICRO_TRAINING } from '../../../test/support/trainProject.ts';

const disk = mkdtempSync(path.join(tmpdir(), 'sp-watch-'));
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
});

describe.skipIf(!mounted)("a training's state on a full disk", () => {
  it('a write that no longer fits is said once as an event, never thrown into the trainer handler', () => {
    const db = openProjectDb(path.join(disk, '.simplepose.sqlite'));
    const repo = trainingRepository(db);
    const id = writeTransaction(db, 'test', () =>
      repo.create({
        baseModel: null,
        options: MICRO_TRAINING,
        outDir: (n) => `training-${n}`,
        now: Date.now(),
      }),
    );
    const outDir = mkdtempSync(path.join(tmpdir(), 'sp-watch-out-')); // the trainer's files (here off the tmpfs)
    const names = Array.from({ length: 20_000 }, (_, i) => `photos/a-long-folder-name/image-${i}.jpg`);
    writeFileSync(path.join(outDir, 'split.json'), JSON.stringify({ train: names, val: names.slice(0, 10) }));
    try {
      writeFileSync(path.join(disk, 'ballast'), Buffer.alloc(2 * 2 ** 20)); // fills what is left
    } catch {
      /* ENOSPC: full now */
    }
    const events: { stage: string; message: string; loss?: number }[] = [];
    const c = { db, root: disk } as ServiceContext; // what TrainWatch writes with: the connection and the folder
    const watch = new TrainWatch(c, repo.get(id)!, outDir, new AbortController().signal, (e) => events.push(e));
    expect(() => {
      watch.onEvent({ event: 'start', step: 0, steps: 4 });
      for (let step = 1; step <= 4; step++) watch.onEvent({ event: 'progress', step, steps: 4, loss: 0.5 });
      watch.onEvent({ event: 'checkpoint', step: 4, path: 'last.pth' });
    }).not.toThrow();
    const said = events.filter((e) => /could not be recorded in the project/.test(e.message));
    expect(said).toHaveLength(1);
    expect(said[0].message).toMatch(
      /^the training split could not be recorded in the project \(.*(full|SQLITE_FULL).*\); training goes on$/i,
    );
    expect(events.filter((e) => e.loss !== undefined)).toHaveLength(4); // every step's loss still out
    db.close();
  });
});
