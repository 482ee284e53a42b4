// compareModels with the project locked by another writer past its time (every write of the job waits for the lock,
// then gives up): the job still ends, saying its result was not kept; nothing is thrown (no unhandled rejection,
// no model marked as failed because its score could not be kept). A short lock wait, so the test is quick.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { PoseEvent } from '../../contract/poseApi.ts';
import type { OpenProject } from './openProjectFolder.ts';

process.env.SIMPLEPOSE_BUSY_TIMEOUT_MS = '100'; // read when the database modules load, below
const { openProjectDb } = await import('../db/openProjectDb.ts');
const { trainingRepository } = await import('../db/trainingRepository.ts');
const { writeTransaction } = await import('../db/writeTransaction.ts');
const { MICRO_TRAINING, tmpBase, trainFolder, trainProject } = await import('../../../test/support/trainProject.ts');

let p: OpenProject;
beforeAll(async () => {
  p = await trainProject(trainFolder(tmpBase(), 4, 4));
}, 120_000);
afterAll(async () => {
  await p?.close();
});

describe('compareModels with the project locked by another writer past its time', () => {
  it('ends saying its result was not kept, and is listed failed, not running', async () => {
    const repo = trainingRepository(p.db);
    const t = writeTransaction(p.db, 'test', () => {
      const id = repo.create({
        baseModel: null,
        options: { ...MICRO_TRAINING, steps: 1 },
        outDir: (n) => `.simplepose-models/training-${n}`,
        now: Date.now(),
      });
      repo.setSplit(id, { train: [], val: ['photos/000001.jpg', 'photos/000002.jpg'] }, Date.now());
      repo.finish(id, 'done', {}, Date.now());
      return id;
    });
    const other = openProjectDb(path.join(p.root, '.simplepose.sqlite'));
    let locked = false;
    const events: PoseEvent<'compareProgress'>[] = [];
    const f = (e: PoseEvent<'compareProgress'>) => {
      events.push(e);
      if (!locked && e.stage === 'running') {
        other.exec('BEGIN IMMEDIATE'); // held until the job is over: every write of it waits, then gives up
        locked = true;
      }
    };
    p.service.events.on('compareProgress', f);
    try {
      const { jobId } = await p.service.compareModels({ trainingId: t });
      while (!events.some((e) => e.jobId === jobId && e.stage !== 'running'))
        await new Promise((r) => setTimeout(r, 50));
      const end = events.at(-1)!;
      expect(end.stage).toBe('failed');
      expect(end.message).toMatch(
        /^the comparison was not kept: recording the comparison was not saved: the project database stayed locked/,
      );
    } finally {
      p.service.events.off('compareProgress', f);
      if (locked) other.exec('ROLLBACK');
      other.close();
    }
    expect((await p.service.listComparisons({})).runningJobId).toBeNull();
    const listed = (await p.service.listComparisons({})).comparisons[0];
    expect(listed).toMatchObject({ status: 'failed', message: expect.stringMatching(/^interrupted/) });
  }, 120_000);
});
