// The trained model saved into the project on a full disk (a 1 MiB tmpfs as the project's models folder; needs
// root, as in CI): a clear message that says where the model is kept, nothing half-written in the folder, nothing
// registered, the training not marked done (Train again registers it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb, type ProjectDb } from '../db/openProjectDb.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';
import { PROJECT_MODELS_DIR } from './detectSetup.ts';
import { registerTrainedModel } from './trainOutcome.ts';
import { MICRO_TRAINING } from '../../../test/support/trainProject.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sp-outcome-'));
const models = path.join(root, PROJECT_MODELS_DIR);
mkdirSync(models);
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', models], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
let db: ProjectDb;
beforeAll(() => {
  db = openProjectDb(path.join(root, '.simplepose.sqlite'));
});
afterAll(() => {
  db?.close();
  if (mounted)
    try {
      execFileSync('umount', [models], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', models], { stdio: 'ignore' });
    }
});

describe.skipIf(!mounted)('the trained model saved on a full disk', () => {
  it('fails by name, keeps the model where the trainer left it, and leaves the project as it was', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'sp-trained-')); // the trainer's folder (here off the tmpfs)
    const trained = path.join(outDir, 'model.onnx');
    copyFileSync(path.join(MODEL_FIXTURES, 'tiny.onnx'), trained); // 3 MB: more than the folder holds
    copyFileSync(path.join(MODEL_FIXTURES, 'tiny.card.json'), path.join(outDir, 'model.card.json'));
    const repo = trainingRepository(db);
    const id = writeTransaction(db, 'test', () =>
      repo.create({
        baseModel: null,
        options: MICRO_TRAINING,
        outDir: (n) => `${PROJECT_MODELS_DIR}/training-${n}`,
        now: Date.now(),
      }),
    );
    const gt = { images: [], annotations: [], categories: [] } as never;
    const facts = {
      trainingId: id,
      seed: 0,
      baseModel: null,
      heldOut: { gt, imagePath: (f: string) => f },
      stats: null,
      failed: [],
    };
    await expect(registerTrainedModel(db, root, '/bundled.onnx', trained, false, facts)).rejects.toThrow(
      new RegExp(
        `^the trained model was not saved in the project \\(cannot write .*trained-${id}\\.onnx: the disk is full \\(ENOSPC\\)\\): it is kept in ${outDir}; make room and Train again to register it$`,
      ),
    );
    expect(readdirSync(models)).toEqual([]); // neither half a model nor a card without one
    expect(repo.get(id)).toMatchObject({ status: 'running', modelId: null });
    expect(db.prepare('SELECT COUNT(*) FROM models').pluck().get()).toBe(0);
  });
});
