import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { flipAverage } from '../../core/codec/flipAverage.ts';
import { writeNpy } from '../../core/tensor/parseNpy.ts';
import { MapCache, mapCacheKey, runMapSettings, type MapCacheKey } from './mapCache.ts';
import { passGeometry } from '../../core/codec/passGeometry.ts';
import { CHANNELS } from '../../core/skeleton/poseMeta.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { runRepository } from '../db/runRepository.ts';

/**
 * The image's prediction in `preferRun` (the project's current model and settings) when that run has it, else its
 * latest; its size, and the cache key of that run's maps (null: the run is gone).
 */
function latest(
  db: ProjectDb,
  imageId: number,
  preferRun: number | null,
): { runId: number; poses: Pose[]; width: number; height: number; key: MapCacheKey | null } | undefined {
  const runs = runRepository(db);
  const p = (preferRun !== null && runs.prediction(preferRun, imageId)) || runs.latestPrediction(imageId);
  const image = p && imageRepository(db).get(imageId);
  if (!p || !image) return undefined;
  const run = runMapSettings(db, p.runId);
  return { ...p, width: image.width, height: image.height, key: run ? mapCacheKey(image.contentHash, run) : null };
}

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
  const row = latest(db, imageId, preferRun);
  if (!row) return { runId: null, poses: [], maps: null };
  // Only whether the maps are there: reading them is for imageMapsNpy, which the overlay asks for next.
  const multiplier = row.key && (await new MapCache(db, cacheDir).firstPassMultiplier(row.key));
  const g = multiplier === null ? null : passGeometry(row.width, row.height, multiplier);
  return {
    runId: row.runId,
    poses: row.poses,
    maps: g ? { multiplier: g.multiplier, shape: [CHANNELS.count, g.mapH, g.mapW] } : null,
  };
}

/**
 * The maps the overlay shows, as float16 .npy bytes: the first pass of the run imagePredictions picks, flip-averaged
 * as the decoder sees it ([50, h, w], stride-4 map space, padding included). Null when they are not cached.
 */
export async function imageMapsNpy(
  db: ProjectDb,
  cacheDir: string,
  imageId: number,
  preferRun: number | null = null,
): Promise<Uint8Array | null> {
  const key = latest(db, imageId, preferRun)?.key;
  if (!key) return null;
  const passes = await new MapCache(db, cacheDir).get(key);
  return passes ? overlayMapsNpy(passes) : null;
}

/**
 * The overlay's float16 .npy of cached passes (as the cache read them back, float16-rounded): the first pass,
 * flip-averaged ([50, h, w], stride-4 map space). One function for both stores, so a team project serves the same
 * bytes as a local one. Null for no passes.
 */
export function overlayMapsNpy(passes: DecodePass[]): Uint8Array | null {
  const p = passes[0];
  if (!p) return null;
  return writeNpy({ shape: p.maps.shape, data: flipAverage(p.maps, p.flippedMaps) }, 'float16');
}
