import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { flipAverage } from '../../core/codec/flipAverage.ts';
import { writeNpy } from '../../core/tensor/parseNpy.ts';
import { MapCache } from './mapCache.ts';
import { passGeometry } from '../../core/codec/passGeometry.ts';
import { CHANNELS } from '../../core/skeleton/poseMeta.ts';

interface LatestRow {
  run_id: number;
  poses_json: string;
  content_hash: string;
  width: number;
  height: number;
  scales: string;
  flip: number;
  model_hash: string;
}

/** The image's prediction in `preferRun` (the project's current model and settings) if it has one, else its latest. */
function latestRow(db: ProjectDb, imageId: number, preferRun: number | null = null): LatestRow | undefined {
  return db
    .prepare(`SELECT p.run_id, p.poses_json, i.content_hash, i.width, i.height, r.scales, r.flip, m.content_hash AS model_hash
    FROM predictions p JOIN inference_runs r ON r.id = p.run_id JOIN models m ON m.id = r.model_id JOIN images i ON i.id = p.image_id
    WHERE p.image_id = ? ORDER BY p.run_id = ? DESC, p.run_id DESC LIMIT 1`)
    .get(imageId, preferRun ?? -1) as LatestRow | undefined;
}

const cacheKey = (r: LatestRow) => ({
  imageHash: r.content_hash,
  modelHash: r.model_hash,
  settings: { scales: JSON.parse(r.scales) as number[], flip: r.flip === 1 },
});

/**
 * The model's poses for an image — from `preferRun` (the project's current model and settings) when that run has
 * the image, else from the latest run that has it: another run (a `detect` with other flags) never takes over what
 * the app shows — and whether that run's maps are in the cache (shape [50, h, w] and the pass's scale multiplier,
 * which places them over the image).
 */
export async function imagePredictions(
  db: ProjectDb,
  cacheDir: string,
  imageId: number,
  preferRun: number | null = null,
): Promise<{ runId: number | null; poses: Pose[]; maps: { multiplier: number; shape: number[] } | null }> {
  const row = latestRow(db, imageId, preferRun);
  if (!row) return { runId: null, poses: [], maps: null };
  // Only whether the maps are there: reading them is for imageMapsNpy, which the overlay asks for next.
  const multiplier = await new MapCache(db, cacheDir).firstPassMultiplier(cacheKey(row));
  const g = multiplier === null ? null : passGeometry(row.width, row.height, multiplier);
  return {
    runId: row.run_id,
    poses: JSON.parse(row.poses_json) as Pose[],
    maps: g ? { multiplier: g.multiplier, shape: [CHANNELS.count, g.mapH, g.mapW] } : null,
  };
}

/**
 * The maps the overlay shows, as float16 .npy bytes: the first pass of the run imagePredictions picks, flip-averaged as the
 * decoder sees it ([50, h, w], stride-4 map space, padding included). Null when they are not cached.
 */
export async function imageMapsNpy(
  db: ProjectDb,
  cacheDir: string,
  imageId: number,
  preferRun: number | null = null,
): Promise<Uint8Array | null> {
  const row = latestRow(db, imageId, preferRun);
  if (!row) return null;
  const passes = await new MapCache(db, cacheDir).get(cacheKey(row));
  if (!passes?.length) return null;
  const p = passes[0];
  return writeNpy({ shape: p.maps.shape, data: flipAverage(p.maps, p.flippedMaps) }, 'float16');
}
