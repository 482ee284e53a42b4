import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { CocoStats } from '../../core/eval/cocoEval.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { cardPathFor } from '../inference/poseModel.ts';
import { uniqueModelPath } from '../models/checkpointImport.ts';
import { heldOutKey, heldOutPersons, type HeldOutSet } from '../training/heldOutScore.ts';
import { modelRegistration, PROJECT_MODELS_DIR, readDetectSetup, writeDetectSetup } from './detectSetup.ts';

/** What the finished training adds to its model's card (beside the trainer's data, steps, time, hardware, code). */
export interface CardFacts {
  trainingId: number;
  seed: number;
  baseModel: string | null;
  heldOut: HeldOutSet;
  stats: CocoStats | null;
  failed: string[];
}

/**
 * The trained model as a version of the project: its ONNX and card copied into the project's models folder under a
 * name of its own (never replacing another), the card completed with its validation AP on the held-out images,
 * registered (and put in use when `use`) and the training marked done in one transaction, its held-out score kept
 * for the comparison; returns the model's id and name.
 */
export async function registerTrainedModel(
  db: ProjectDb,
  root: string,
  bundledModel: string,
  trainedOnnx: string,
  use: boolean,
  facts: CardFacts,
): Promise<{ modelId: number; name: string }> {
  const dir = path.join(root, PROJECT_MODELS_DIR);
  const onnx = uniqueModelPath(dir, `trained-${facts.trainingId}`);
  const card = JSON.parse(readFileSync(cardPathFor(trainedOnnx), 'utf8')) as {
    name?: string;
    training?: Record<string, unknown> & { validation?: Record<string, unknown> | null };
  };
  const training = card.training ?? {};
  card.name = path.basename(onnx, '.onnx');
  card.training = {
    ...training,
    seed: facts.seed,
    base_model: facts.baseModel,
    validation: {
      ...(training.validation ?? {}),
      images: facts.heldOut.gt.images.length,
      persons: heldOutPersons(facts.heldOut.gt),
      ...(facts.stats ? { AP: facts.stats.AP, AR: facts.stats.AR, stats: facts.stats } : {}),
      evaluated_by: 'the app (ONNX Runtime, its decoder and pycocotools-exact evaluator) at the detection settings',
      ...(facts.failed.length ? { failed_images: facts.failed.slice(0, 20) } : {}),
    },
  };
  // model and card each written whole before it is named (a temp file a kill leaves is swept by the next write
  // there), the card first: a model file there is complete with its card. A full disk fails here, nothing half-made.
  try {
    await writeFileAtomic(cardPathFor(onnx), JSON.stringify(card, null, 1));
    await writeFileAtomic(onnx, await readFile(trainedOnnx));
  } catch (e) {
    rmSync(cardPathFor(onnx), { force: true });
    throw new ApiError(
      (e as ApiError).code ?? 'internal',
      `the trained model was not saved in the project (${(e as Error).message}): it is kept in ${path.dirname(trainedOnnx)}; make room and Train again to register it`,
    );
  }
  try {
    const register = (await modelRegistration(root, onnx, bundledModel))!;
    // registered, scored, put in use and its training marked done at once: a kill in between leaves none of it
    // (never a registered model whose training still looks unfinished, which the next Train would train again)
    const modelId = writeTransaction(db, 'registering the trained model', () => {
      const id = register(db);
      if (facts.stats) {
        const gt = facts.heldOut.gt;
        const key = heldOutKey(gt);
        trainingRepository(db).putScore(id, key, gt.images.length, heldOutPersons(gt), facts.stats, Date.now());
      }
      if (use) writeDetectSetup(db, { ...readDetectSetup(db), modelId: id });
      trainingRepository(db).finish(facts.trainingId, 'done', { modelId: id }, Date.now());
      return id;
    });
    return { modelId, name: card.name };
  } catch (e) {
    rmSync(onnx, { force: true });
    rmSync(cardPathFor(onnx), { force: true });
    throw e;
  }
}
