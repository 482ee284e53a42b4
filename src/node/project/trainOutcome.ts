import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CocoStats } from '../../core/eval/cocoEval.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { cardPathFor } from '../inference/poseModel.ts';
import { uniqueModelPath } from '../models/checkpointImport.ts';
import { heldOutKey, heldOutPersons, type HeldOutSet } from '../training/heldOutScore.ts';
import { PROJECT_MODELS_DIR, readDetectSetup, registerModelFile, writeDetectSetup } from './detectSetup.ts';

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
  // model and card written whole before they are named: a kill here leaves at most a temp file, never half a model
  copyFileSync(trainedOnnx, `${onnx}.tmp`);
  writeFileSync(`${cardPathFor(onnx)}.tmp`, JSON.stringify(card, null, 1));
  renameSync(`${cardPathFor(onnx)}.tmp`, cardPathFor(onnx));
  renameSync(`${onnx}.tmp`, onnx);
  try {
    const modelId = (await registerModelFile(db, root, onnx, bundledModel))!;
    writeTransaction(db, 'registering the trained model', () => {
      if (facts.stats) {
        const gt = facts.heldOut.gt;
        const key = heldOutKey(gt);
        trainingRepository(db).putScore(modelId, key, gt.images.length, heldOutPersons(gt), facts.stats, Date.now());
      }
      if (use) writeDetectSetup(db, { ...readDetectSetup(db), modelId });
      trainingRepository(db).finish(facts.trainingId, 'done', { modelId }, Date.now());
    });
    return { modelId, name: card.name };
  } catch (e) {
    rmSync(onnx, { force: true });
    rmSync(cardPathFor(onnx), { force: true });
    throw e;
  }
}
