import { existsSync, openSync, readFileSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { DetectSettings, ModelInfo } from '../../contract/apiPayloads.ts';
import type { PoseApi, PoseResponse } from '../../contract/poseApi.ts';
import { modelFacts } from '../../core/model/modelFacts.ts';
import { parseModelCard } from '../../core/model/modelCard.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { cardPathFor, modelFileProblem } from '../inference/poseModel.ts';
import { detectSettingsProblem, hashModelFile } from '../jobs/detectJob.ts';
import { SYNTH_DATASET_DESCRIPTION } from '../synth/writeSynthDataset.ts';
import {
  currentRunId,
  imagesToDetect,
  modelFile,
  modelRow,
  modelRowByPath,
  readDetectSetup,
  registeredModels,
  registerModel,
  storedModelPath,
  writeDetectSetup,
  type ModelRow,
} from './detectSetup.ts';

export interface DetectSetupContext {
  db: ProjectDb;
  root: string;
  /** The app's own model (resources/models): used while the project names no other. */
  bundledModel: string;
  /** The Python a checkpoint import runs (shown in Settings). */
  python: string;
}

type Setup = PoseResponse<'getDetectSetup'>;

/**
 * The project's detection setup as the API serves it (getDetectSetup, setDetectSetup) and as detection resolves
 * it: `resolve()` is the model file and settings "Run detection" and `simplepose detect` use when none are given.
 */
export function detectSetupApi(ctx: DetectSetupContext): Pick<PoseApi, 'getDetectSetup' | 'setDetectSetup'> & {
  resolve(): { modelPath: string; settings: DetectSettings };
  currentRun(): number | null;
} {
  const { db, root } = ctx;
  /** The model in use: its file and row (the bundled model's row exists once a run has recorded it). */
  const inUse = (): { file: string; row: ModelRow | undefined } => {
    const { modelId } = readDetectSetup(db);
    const row = modelId === null ? undefined : modelRow(db, modelId);
    if (row) return { file: modelFile(root, row.path), row };
    return { file: ctx.bundledModel, row: modelRowByPath(db, ctx.bundledModel) };
  };
  const infoOf = (file: string, row: ModelRow | undefined) =>
    info(file, row?.id ?? null, file === ctx.bundledModel, row?.raw_card_json ?? null);
  const currentRun = () => {
    const { row } = inUse();
    return (row && currentRunId(db, row.id, readDetectSetup(db).settings)) ?? null;
  };
  const setup = (): Setup => {
    const { settings } = readDetectSetup(db);
    const model = inUse();
    const run = currentRun();
    const registered = registeredModels(db).filter((r) => modelFile(root, r.path) !== ctx.bundledModel);
    return {
      settings,
      model: infoOf(model.file, model.row),
      models: [
        infoOf(ctx.bundledModel, modelRowByPath(db, ctx.bundledModel)),
        ...registered.map((r) => infoOf(modelFile(root, r.path), r)),
      ].slice(0, 200),
      currentRunId: run,
      toDetect: imagesToDetect(db, run ?? undefined),
      photos: !holdsSyntheticImages(db, root),
      python: ctx.python,
    };
  };
  return {
    async getDetectSetup() {
      return setup();
    },
    async setDetectSetup({ settings, modelId, modelPath }) {
      const problem = detectSettingsProblem(settings);
      if (problem) throw new ApiError('bad_request', problem);
      let id = modelId === undefined ? readDetectSetup(db).modelId : modelId;
      if (modelPath !== undefined) id = await registerModelFile(db, root, modelPath, ctx.bundledModel);
      else if (id !== null && !modelRow(db, id)) throw new ApiError('not_found', `no model ${id} in this project`);
      writeDetectSetup(db, { settings, modelId: id });
      return setup();
    },
    resolve() {
      return { modelPath: inUse().file, settings: readDetectSetup(db).settings };
    },
    currentRun,
  };
}

/** Registers an ONNX file (with its card, when it has one) and returns its row; null for the bundled model. */
export async function registerModelFile(
  db: ProjectDb,
  root: string,
  file: string,
  bundledModel: string,
): Promise<number | null> {
  const abs = path.resolve(file);
  if (abs === bundledModel) return null;
  const problem = modelFileProblem(abs);
  if (problem) throw new ApiError(existsSync(abs) ? 'bad_request' : 'not_found', problem);
  const rawCard = readRawCard(abs);
  let card: string = JSON.stringify({ assumed: 'no card' });
  if (rawCard !== null) card = JSON.stringify(parseModelCard(JSON.parse(rawCard), cardPathFor(abs)));
  const hash = await hashModelFile(abs);
  return registerModel(db, { path: storedModelPath(root, abs), hash, card, rawCard });
}

function info(file: string, id: number | null, bundled: boolean, rawCard: string | null): ModelInfo {
  const raw = rawCard ?? readRawCard(file);
  let card: unknown = null;
  try {
    card = raw === null ? null : JSON.parse(raw);
  } catch {
    card = null; // a card that does not parse is reported by the loader when the model runs
  }
  return {
    id,
    path: file,
    name: path.basename(file).replace(/\.onnx$/i, ''),
    exists: existsSync(file),
    bundled,
    facts: modelFacts(card),
  };
}

/** The card file beside a model, as text; null when there is none. */
function readRawCard(modelPath: string): string | null {
  try {
    return readFileSync(cardPathFor(modelPath), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Whether the project holds `simplepose synth` images (the sample project, a synthetic dataset) rather than photos:
 * its imported COCO file, or a synth `annotations.json` at the folder's top, says so. Read only (project_meta).
 */
function holdsSyntheticImages(db: ProjectDb, root: string): boolean {
  const imported = db.prepare("SELECT value FROM project_meta WHERE key = 'coco_info'").pluck().get() as
    | string
    | undefined;
  if (imported?.includes(SYNTH_DATASET_DESCRIPTION)) return true;
  try {
    const fd = openSync(path.join(root, 'annotations.json'), 'r');
    try {
      const head = Buffer.alloc(2048);
      const n = readSync(fd, head, 0, head.length, 0);
      const text = head.subarray(0, n).toString('utf8');
      return new RegExp(`"description"\\s*:\\s*"${SYNTH_DATASET_DESCRIPTION}"`).test(text);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
