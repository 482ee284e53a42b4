import { existsSync, readFileSync } from 'node:fs';
import { modelSource, type ExchangePolicy } from '../fs/projectPaths.ts';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import { parseModelCard } from '../../core/model/modelCard.ts';
import { detectSettingsRepository, type StoredDetectSetup } from '../db/detectSettingsRepository.ts';
import { modelRepository, type ModelRecord } from '../db/modelRepository.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { runRepository } from '../db/runRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { cardPathFor, modelFileProblem } from '../inference/poseModel.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import { DEFAULT_DETECT_SETTINGS, type DetectSettings } from '../jobs/detectSettings.ts';

/**
 * The project's detection setup (migration 007): the settings and the model that both the app's "Run detection"
 * and `simplepose detect` use, and the models registered in the project — through the detect_settings and models
 * repositories.
 */

/** Where models imported into a project are kept (hidden: the folder scan skips it; exports never write there). */
export const PROJECT_MODELS_DIR = '.simplepose-models';

export function readDetectSetup(db: ProjectDb): StoredDetectSetup {
  return detectSettingsRepository(db).get() ?? { settings: DEFAULT_DETECT_SETTINGS, modelId: null };
}

export function writeDetectSetup(db: ProjectDb, setup: StoredDetectSetup, now = Date.now()): void {
  writeTransaction(db, 'the detection settings', () => detectSettingsRepository(db).put(setup, now));
}

/** A stored model path as a file path: relative ones lie in the project folder. */
export function modelFile(root: string, stored: string): string {
  return path.isAbsolute(stored) ? stored : path.join(root, stored);
}

/** A model file as it is stored: relative to the project folder when it lies inside it. */
export function storedModelPath(root: string, file: string): string {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.resolve(file);
}

/** The card file beside a model, as text; null when there is none. */
export function readRawCard(modelPath: string): string | null {
  try {
    return readFileSync(cardPathFor(modelPath), 'utf8');
  } catch {
    return null;
  }
}

/** A card file's JSON; text that is not JSON is refused by name (its content is never echoed). */
function parseCardText(text: string, modelPath: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('unprocessable', `${cardPathFor(modelPath)}: the model card is not valid JSON`);
  }
}

/**
 * Registers an ONNX file (with its card, when it has one: checked) in the project and returns its row; null for the
 * bundled model, which needs no registration.
 */
/**
 * The model file a request names, confined (modelSource): the app's bundled models, the project's models folder
 * (imported checkpoints), or what the exchange policy lets the caller import.
 */
export function requestedModelPath(file: string, exchange: ExchangePolicy, root: string, bundledModel: string): string {
  return modelSource(file, exchange, [path.dirname(bundledModel), path.join(root, PROJECT_MODELS_DIR)]);
}

export async function registerModelFile(
  db: ProjectDb,
  root: string,
  file: string,
  bundledModel: string,
): Promise<number | null> {
  const register = await modelRegistration(root, file, bundledModel);
  return register && writeTransaction(db, 'registering the model', () => register(db));
}

/**
 * What registering `file` takes, checked and read first (its card, its content hash: file reads, outside any
 * transaction), as a function to run inside the caller's write transaction (a trained model registers in the
 * transaction that marks its training done); null for the bundled model, which is never registered.
 */
export async function modelRegistration(
  root: string,
  file: string,
  bundledModel: string,
): Promise<((db: ProjectDb) => number) | null> {
  const abs = path.resolve(file);
  if (abs === bundledModel) return null;
  const problem = modelFileProblem(abs);
  if (problem) throw new ApiError(existsSync(abs) ? 'bad_request' : 'not_found', problem);
  const rawCard = readRawCard(abs);
  let card: string = JSON.stringify({ assumed: 'no card' });
  if (rawCard !== null) card = JSON.stringify(parseModelCard(parseCardText(rawCard, abs), cardPathFor(abs)));
  const hash = await hashModelFile(abs);
  const stored = storedModelPath(root, abs);
  return (db) => {
    const models = modelRepository(db);
    const id = models.record(stored, hash, card, Date.now());
    models.register(id, stored, rawCard, Date.now());
    return id;
  };
}

/** The project's setup as detection resolves it: the model in use and the run "Run detection" completes. */
export interface ProjectDetectSetup {
  /** The app's own model (resources/models): used while the project names no other. */
  bundledModel: string;
  /** The model file and settings "Run detection" and `simplepose detect` use when none are given. */
  resolve(): { modelPath: string; settings: DetectSettings };
  /** The model in use: its file and row (the bundled model's row exists once a run has recorded it). */
  inUse(): { file: string; row: ModelRecord | undefined };
  /** The latest run of the model in use with the project's settings (what the app shows), or null. */
  currentRun(): number | null;
}

/** `bundledModel`: the app's own model (resources/models), used while the project names no other. */
export function projectDetectSetup(db: ProjectDb, root: string, bundledModel: string): ProjectDetectSetup {
  const inUse = () => {
    const { modelId } = readDetectSetup(db);
    const row = modelId === null ? undefined : modelRepository(db).get(modelId);
    if (row) return { file: modelFile(root, row.path), row };
    return { file: bundledModel, row: modelRepository(db).byPath(bundledModel) };
  };
  return {
    bundledModel,
    inUse,
    resolve: () => ({ modelPath: inUse().file, settings: readDetectSetup(db).settings }),
    currentRun() {
      const { row } = inUse();
      return (row && runRepository(db).withSettings(row.id, readDetectSetup(db).settings)) ?? null;
    },
  };
}
