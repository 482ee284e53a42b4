import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { CombinedPass } from '../../core/codec/combinedPass.ts';
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
 * the app shows — and whether that run's maps are in the cache (shape [50, h, w] and the multiplier of the pass
 * whose map space they are in, which places them over the image: MapCache.overlay).
 */
export async function imagePredictions(
  db: ProjectDb,
  cacheDir: string,
  imageId: number,
  preferRun: number | null = null,
): Promise<{ runId: number | null; poses: Pose[]; maps: MapsDescriptor | null }> {
  const row = latest(db, imageId, preferRun);
  if (!row) return { runId: null, poses: [], maps: null };
  // Only whether the maps are there: reading them is for imageMapsNpy, which the overlay asks for next.
  const info = row.key && (await new MapCache(db, cacheDir).overlayInfo(row.key));
  return { runId: row.runId, poses: row.poses, maps: info ? mapsDescriptor(row, info.multiplier, info.passes) : null };
}

/**
 * What getPredictions says of the maps (contract poseApi): the overlay pass's multiplier and [50, h, w] shape and,
 * for a several-pass run, each pass's, in the order the maps .npy holds them after the overlay pass.
 */
export interface MapsDescriptor {
  multiplier: number;
  shape: number[];
  passes?: { multiplier: number; shape: number[] }[];
}

/** The descriptor of maps of an image of `image`'s size (passGeometry: the shapes follow from the multipliers). */
export function mapsDescriptor(
  image: { width: number; height: number },
  multiplier: number,
  passes: number[] | null,
): MapsDescriptor {
  const at = (m: number) => {
    const g = passGeometry(image.width, image.height, m);
    return { multiplier: g.multiplier, shape: [CHANNELS.count, g.mapH, g.mapW] };
  };
  return passes ? { ...at(multiplier), passes: passes.map(at) } : at(multiplier);
}

/**
 * The maps the overlay shows and the corrections read, as float16 .npy bytes: the maps the decoder read for the run
 * imagePredictions picks. One pass: [50, h, w], its flip average (stride-4 map space, padding included). Several:
 * a flat .npy, the overlay pass (MapCache.overlay: the passes combined as the decoder combines them, on the finest
 * pass's grid) then each pass flip-averaged (MapCache.decoderPasses), each [50, h, w] as the descriptor says.
 * Null when they are not cached.
 */
export async function imageMapsNpy(
  db: ProjectDb,
  cacheDir: string,
  imageId: number,
  preferRun: number | null = null,
): Promise<Uint8Array | null> {
  const row = latest(db, imageId, preferRun);
  if (!row?.key) return null;
  const cache = new MapCache(db, cacheDir);
  const pass = await cache.overlay(row.key, row);
  return pass ? overlayMapsNpy(pass, await cache.decoderPasses(row.key)) : null;
}

/**
 * The overlay's float16 .npy (imageMapsNpy) of an overlay pass and, for several passes, the decoder's passes
 * (MapCache.decoderPasses, or the team store's of the same float16 values). One function for both stores, so a team
 * project serves the same bytes as a local one.
 */
export function overlayMapsNpy(pass: CombinedPass, passes: CombinedPass[] | null = null): Uint8Array {
  if (!passes) return writeNpy(pass.maps, 'float16');
  const all = [pass, ...passes];
  const data = new Float32Array(all.reduce((n, p) => n + p.maps.data.length, 0));
  let at = 0;
  for (const p of all) {
    data.set(p.maps.data, at);
    at += p.maps.data.length;
  }
  return writeNpy({ shape: [data.length], data }, 'float16');
}
