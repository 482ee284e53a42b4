import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ProjectFiles } from '../fs/projectPaths.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { PoseEngine } from '../inference/poseEngine.ts';
import type { ProviderName } from '../inference/executionProviders.ts';
import { MapCache } from '../project/mapCache.ts';

export interface DetectSettings {
  scales: number[];
  flip: boolean;
  mode: 'reference' | 'fast';
}

export interface DetectProgress {
  runId: number;
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  lastImage?: string;
}

export interface DetectOptions {
  modelPath: string;
  settings: DetectSettings;
  provider?: ProviderName;
  root: string;
  cacheDir?: string;
  onProgress?: (p: DetectProgress) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Runs a model over every present image of the project that has no prediction in the run yet. The run is the
 * project's unfinished run with the same model and settings when there is one (resume after a crash or a cancel),
 * else a new one. Each image's poses are stored in their own transaction, keyed (run, image), so a crash at any
 * moment loses at most the image in flight and never duplicates one. Raw maps go to the map cache.
 */
export async function runDetectJob(
  db: ProjectDb,
  o: DetectOptions,
): Promise<DetectProgress & { status: 'done' | 'cancelled' }> {
  const modelBytes = readFileSync(o.modelPath);
  const modelHash = createHash('sha256').update(modelBytes).digest('hex');
  const files = new ProjectFiles(o.root); // every image read goes through it: a link out of the project fails its image
  const engine = await PoseEngine.start(o.modelPath, { provider: o.provider, log: o.log });
  try {
    const scales = JSON.stringify(o.settings.scales),
      flip = o.settings.flip ? 1 : 0;
    // One IMMEDIATE transaction: two detections started at once find (or make) the same model row and run.
    const runId = writeTransaction(db, 'starting detection', () => {
      const modelId = upsertModel(db, o.modelPath, modelHash, JSON.stringify(engine.card));
      let run = db
        .prepare(
          "SELECT id FROM inference_runs WHERE model_id = ? AND scales = ? AND flip = ? AND mode = ? AND status IN ('running', 'cancelled') ORDER BY id DESC LIMIT 1",
        )
        .get(modelId, scales, flip, o.settings.mode) as { id: number } | undefined;
      if (run) {
        db.prepare("UPDATE inference_runs SET status = 'running', provider = ? WHERE id = ?").run(
          engine.provider,
          run.id,
        );
        o.log?.(`resuming run ${run.id}`);
      } else {
        const r = db
          .prepare(
            "INSERT INTO inference_runs (model_id, scales, flip, mode, provider, status, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?)",
          )
          .run(modelId, scales, flip, o.settings.mode, engine.provider, Date.now());
        run = { id: Number(r.lastInsertRowid) };
      }
      return run.id;
    });
    const todo = db
      .prepare(
        'SELECT id, rel_path, content_hash FROM images WHERE missing = 0 AND id NOT IN (SELECT image_id FROM predictions WHERE run_id = ?) ORDER BY sort_key, rel_path',
      )
      .all(runId) as { id: number; rel_path: string; content_hash: string }[];
    const already = db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(runId) as number;
    const total = already + todo.length;
    const store = db.prepare(
      'INSERT OR IGNORE INTO predictions (run_id, image_id, poses_json, created_at) VALUES (?, ?, ?, ?)',
    );
    const cache = o.cacheDir ? new MapCache(db, o.cacheDir) : null;
    const progress: DetectProgress = { runId, done: already, total, failed: 0, imagesPerSecond: 0, etaSeconds: null };
    const t0 = performance.now();
    let sinceStart = 0;
    for (const im of todo) {
      if (o.signal?.aborted) {
        db.prepare("UPDATE inference_runs SET status = 'cancelled' WHERE id = ?").run(runId);
        return { ...progress, status: 'cancelled' };
      }
      try {
        const r = await engine.infer(files.resolve(im.rel_path), im.id, o.settings);
        store.run(runId, im.id, JSON.stringify(r.poses), Date.now());
        if (cache)
          await cache.put(
            { imageHash: im.content_hash, modelHash, settings: { scales: o.settings.scales, flip: o.settings.flip } },
            r.passes,
          );
      } catch (e) {
        progress.failed++;
        o.log?.(`${im.rel_path}: ${(e as Error).message}`);
        continue;
      }
      sinceStart++;
      progress.done++;
      progress.lastImage = im.rel_path;
      const secs = (performance.now() - t0) / 1000;
      progress.imagesPerSecond = sinceStart / secs;
      progress.etaSeconds = (progress.total - progress.done - progress.failed) / progress.imagesPerSecond;
      o.onProgress?.({ ...progress });
    }
    db.prepare("UPDATE inference_runs SET status = 'done', finished_at = ? WHERE id = ?").run(Date.now(), runId);
    return { ...progress, etaSeconds: 0, status: 'done' };
  } finally {
    await engine.close();
  }
}

function upsertModel(db: ProjectDb, modelPath: string, hash: string, card: string): number {
  const row = db.prepare('SELECT id FROM models WHERE content_hash = ?').get(hash) as { id: number } | undefined;
  if (row) return row.id;
  return Number(
    db
      .prepare('INSERT INTO models (path, content_hash, card_json, added_at) VALUES (?, ?, ?, ?)')
      .run(modelPath, hash, card, Date.now()).lastInsertRowid,
  );
}
