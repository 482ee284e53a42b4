import path from 'node:path';
import type { DetectSettings } from '../../contract/apiPayloads.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';

/**
 * The project's detection setup (migration 006): the settings and the model that both the app's "Run detection"
 * and `simplepose detect` use, and the models registered in the project. The tables `detect_settings` and `models`
 * are reached through this module.
 */

/** PRODUCT.md: single scale + flip by default; the fast decoder gives the reference decoder's poses. */
export const DEFAULT_DETECT_SETTINGS: DetectSettings = { scales: [1], flip: true, mode: 'fast' };

/** Where models imported into a project are kept (hidden: the folder scan skips it; exports never write there). */
export const PROJECT_MODELS_DIR = '.simplepose-models';

export interface ModelRow {
  id: number;
  /** Absolute, or relative to the project folder for a model kept inside it (the folder may move). */
  path: string;
  content_hash: string;
  card_json: string;
  registered_at: number | null;
  raw_card_json: string | null;
}

export interface StoredSetup {
  settings: DetectSettings;
  /** The registered model in use; null: the app's bundled model. */
  modelId: number | null;
}

export function readDetectSetup(db: ProjectDb): StoredSetup {
  const row = db.prepare('SELECT scales, flip, mode, model_id FROM detect_settings WHERE id = 1').get() as
    | { scales: string; flip: number; mode: 'reference' | 'fast'; model_id: number | null }
    | undefined;
  if (!row) return { settings: DEFAULT_DETECT_SETTINGS, modelId: null };
  return {
    settings: { scales: JSON.parse(row.scales) as number[], flip: row.flip === 1, mode: row.mode },
    modelId: row.model_id,
  };
}

export function writeDetectSetup(db: ProjectDb, setup: StoredSetup, now = Date.now()): void {
  writeTransaction(db, 'the detection settings', () => {
    db.prepare(
      `INSERT INTO detect_settings (id, scales, flip, mode, model_id, updated_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET scales = excluded.scales, flip = excluded.flip, mode = excluded.mode,
       model_id = excluded.model_id, updated_at = excluded.updated_at`,
    ).run(JSON.stringify(setup.settings.scales), setup.settings.flip ? 1 : 0, setup.settings.mode, setup.modelId, now);
  });
}

/** The model's row by content hash, made when absent (inside the caller's transaction: a run's start). */
export function recordModel(db: ProjectDb, modelPath: string, hash: string, card: string, now = Date.now()): number {
  const row = db.prepare('SELECT id FROM models WHERE content_hash = ?').get(hash) as { id: number } | undefined;
  if (row) return row.id;
  return Number(
    db
      .prepare('INSERT INTO models (path, content_hash, card_json, added_at) VALUES (?, ?, ?, ?)')
      .run(modelPath, hash, card, now).lastInsertRowid,
  );
}

/** Registers a model in the project (listed in Settings): its row made or updated with its path and card. */
export function registerModel(
  db: ProjectDb,
  m: { path: string; hash: string; card: string; rawCard: string | null },
  now = Date.now(),
): number {
  return writeTransaction(db, 'registering the model', () => {
    const id = recordModel(db, m.path, m.hash, m.card, now);
    db.prepare(
      'UPDATE models SET path = ?, raw_card_json = ?, registered_at = COALESCE(registered_at, ?) WHERE id = ?',
    ).run(m.path, m.rawCard, now, id);
    return id;
  });
}

export function registeredModels(db: ProjectDb): ModelRow[] {
  return db
    .prepare('SELECT * FROM models WHERE registered_at IS NOT NULL ORDER BY registered_at, id')
    .all() as ModelRow[];
}

export function modelRow(db: ProjectDb, id: number): ModelRow | undefined {
  return db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
}

/** The newest row recorded for a model file (the bundled model: its path is the app's). */
export function modelRowByPath(db: ProjectDb, modelPath: string): ModelRow | undefined {
  return db.prepare('SELECT * FROM models WHERE path = ? ORDER BY id DESC LIMIT 1').get(modelPath) as
    | ModelRow
    | undefined;
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

/** The latest run of this model with these settings (the one "Run detection" completes), if any. */
export function currentRunId(db: ProjectDb, modelId: number, s: DetectSettings): number | undefined {
  return db
    .prepare(
      'SELECT id FROM inference_runs WHERE model_id = ? AND scales = ? AND flip = ? AND mode = ? ORDER BY id DESC LIMIT 1',
    )
    .pluck()
    .get(modelId, JSON.stringify(s.scales), s.flip ? 1 : 0, s.mode) as number | undefined;
}

/** Present images without a prediction in the run (all present images when there is no run yet). */
export function imagesToDetect(db: ProjectDb, runId: number | undefined): number {
  return db
    .prepare(
      'SELECT COUNT(*) FROM images WHERE missing = 0 AND id NOT IN (SELECT image_id FROM predictions WHERE run_id = ?)',
    )
    .pluck()
    .get(runId ?? -1) as number;
}
