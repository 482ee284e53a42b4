import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { overlayMapsNpy, type MapsDescriptor } from '../project/imagePredictions.ts';
import { cachedCombination, type MapsInput } from '../project/mapFiles.ts';
import { flipAverage } from '../../core/codec/flipAverage.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_maps` table: the cached maps of each image's latest prediction (one row per image), in the team database
// that every server and worker reaches (ARCHITECTURE: "Team cached maps").

/**
 * What getPredictions says of an image's maps, read without their bytes: the descriptor (project/imagePredictions.ts
 * MapsDescriptor; `shape` [50, h, w], stride-4 map space of the overlay pass, padding included; `passes` for a
 * several-pass run) and what they were made of.
 */
export interface TeamMapsInfo extends MapsDescriptor {
  runId: number;
  contentHash: string;
}

/** `shape_json`: the shape, or for several passes `{ shape, passes }` (rows before that: a shape alone). */
function shapeOf(json: string): Pick<MapsDescriptor, 'shape' | 'passes'> {
  const v = JSON.parse(json) as number[] | { shape: number[]; passes: MapsDescriptor['passes'] };
  return Array.isArray(v) ? { shape: v } : v;
}

/** The stored maps: the overlay's float16 .npy (teamMapsNpy). */
export interface TeamMaps extends TeamMapsInfo {
  npy: Uint8Array;
}

/**
 * What a local project's cache gives its readers for these passes (project/mapCache.ts MapCache.overlay): each map
 * float16-rounded as its file stores it, then one pass flip-averaged or several combined (cachedCombination) —
 * the maps the decoder read —, as the overlay's .npy (overlayMapsNpy). Nothing else of the passes is read, locally
 * or here (the overlay, the corrections and review hardness read that one pass). Null for no passes.
 */
export function teamMapsNpy(input: MapsInput): (MapsDescriptor & { npy: Uint8Array }) | null {
  const p = input.passes[0];
  if (!p) return null;
  const asCached = (t: DecodePass['maps']) => parseNpy(writeNpy(t, 'float16'));
  if (input.passes.length === 1 && !p.flippedMaps)
    return { multiplier: p.multiplier, shape: p.maps.shape, npy: writeNpy(p.maps, 'float16') };
  const cached = input.passes.map((q) => ({
    multiplier: q.multiplier,
    maps: asCached(q.maps),
    flippedMaps: q.flippedMaps && asCached(q.flippedMaps),
  }));
  const averaged = cached.map((q) => ({
    multiplier: q.multiplier,
    maps: { shape: q.maps.shape, data: flipAverage(q.maps, q.flippedMaps) },
  }));
  if (cached.length === 1) return { ...averaged[0], shape: p.maps.shape, npy: overlayMapsNpy(averaged[0]) };
  const pass = cachedCombination(input.image, cached);
  const passes = averaged.map((q) => ({ multiplier: q.multiplier, shape: q.maps.shape }));
  return { multiplier: pass.multiplier, shape: pass.maps.shape, passes, npy: overlayMapsNpy(pass, averaged) };
}

/**
 * Maps are used with the prediction they were made with, and only for the image's present content; a several-pass
 * run's maps only with their passes (`scales`: the run's; a row stored before the passes were, holding the first
 * pass alone, is not the decoder's maps: none).
 */
export function mapsFit(
  m: { runId: number; contentHash: string; passes?: unknown },
  runId: number,
  contentHash: string,
  scales: readonly number[],
): boolean {
  return m.runId === runId && m.contentHash === contentHash && (scales.length < 2 || m.passes !== undefined);
}

export const teamMapRepository = {
  /**
   * Stores an image's maps of a run, for the caller's transaction (the one storing the prediction): they replace
   * the maps of an earlier run, never a later one's (workers of two runs may store the same image in any order).
   * One row per image, so a retried store leaves one set. Returns the bytes stored (0: none, or a later run's kept).
   */
  async store(
    c: TeamClient,
    m: { imageId: number; runId: number; contentHash: string; now: number } & MapsInput,
  ): Promise<number> {
    const maps = teamMapsNpy(m);
    if (!maps) return 0;
    const { npy } = maps;
    const q = await c.query(
      `INSERT INTO team_maps (image_id, run_id, content_hash, multiplier, shape_json, npy, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (image_id) DO UPDATE SET run_id = EXCLUDED.run_id, content_hash = EXCLUDED.content_hash,
         multiplier = EXCLUDED.multiplier, shape_json = EXCLUDED.shape_json, npy = EXCLUDED.npy,
         created_at = EXCLUDED.created_at
       WHERE team_maps.run_id < EXCLUDED.run_id`,
      [
        m.imageId,
        m.runId,
        m.contentHash,
        maps.multiplier,
        JSON.stringify(maps.passes ? { shape: maps.shape, passes: maps.passes } : maps.shape),
        Buffer.from(npy.buffer, npy.byteOffset, npy.byteLength),
        m.now,
      ],
    );
    return (q.rowCount ?? 0) > 0 ? npy.length : 0;
  },

  /** The image's stored maps, without their bytes; null: none. */
  async info(c: TeamClient, imageId: number): Promise<TeamMapsInfo | null> {
    const q = await c.query(
      `SELECT run_id::float8 AS "runId", content_hash AS "contentHash", multiplier, shape_json FROM team_maps
       WHERE image_id = $1`,
      [imageId],
    );
    const row = q.rows[0];
    return row
      ? {
          runId: row.runId,
          contentHash: row.contentHash,
          multiplier: row.multiplier,
          ...shapeOf(row.shape_json),
        }
      : null;
  },

  /** The image's stored maps with their bytes; null: none. */
  async get(c: TeamClient, imageId: number): Promise<TeamMaps | null> {
    const q = await c.query(
      `SELECT run_id::float8 AS "runId", content_hash AS "contentHash", multiplier, shape_json, npy FROM team_maps
       WHERE image_id = $1`,
      [imageId],
    );
    const row = q.rows[0];
    if (!row) return null;
    const npy = row.npy as Buffer;
    return {
      runId: row.runId,
      contentHash: row.contentHash,
      multiplier: row.multiplier,
      ...shapeOf(row.shape_json),
      npy: new Uint8Array(npy.buffer, npy.byteOffset, npy.byteLength),
    };
  },

  /** Rows and bytes of the table (tests, the benchmark, an admin's look at the database's size). */
  async totals(c: TeamClient): Promise<{ rows: number; bytes: number }> {
    const q = await c.query(
      'SELECT COUNT(*)::int AS rows, COALESCE(SUM(octet_length(npy)), 0)::float8 AS bytes FROM team_maps',
    );
    return q.rows[0];
  },

  /** Every row's image and run (tests check one set per image with it). */
  async rows(c: TeamClient): Promise<{ imageId: number; runId: number }[]> {
    const q = await c.query(
      'SELECT image_id::float8 AS "imageId", run_id::float8 AS "runId" FROM team_maps ORDER BY image_id',
    );
    return q.rows;
  },
};
