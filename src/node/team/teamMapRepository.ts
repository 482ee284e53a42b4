import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { overlayMapsNpy } from '../project/imagePredictions.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_maps` table: the cached maps of each image's latest prediction (one row per image), in the team database
// that every server and worker reaches (ARCHITECTURE: "Team cached maps").

/** What getPredictions says of an image's maps, read without their bytes. */
export interface TeamMapsInfo {
  runId: number;
  contentHash: string;
  multiplier: number;
  /** [50, h, w]: stride-4 map space of the first pass (padding included). */
  shape: number[];
}

/** The stored maps: the overlay's float16 .npy of the first pass, flip-averaged. */
export interface TeamMaps extends TeamMapsInfo {
  npy: Uint8Array;
}

/**
 * What a local project's cache gives its readers for these passes (project/mapCache.ts): each map float16-rounded
 * as its file stores it, then the overlay's first pass flip-averaged (overlayMapsNpy). Nothing else of the passes
 * is read, locally or here (the overlay and review hardness use the first pass, flip-averaged).
 */
export function teamMapsNpy(passes: DecodePass[]): Uint8Array | null {
  const p = passes[0];
  if (!p) return null;
  if (!p.flippedMaps) return writeNpy(p.maps, 'float16');
  const asCached = (t: DecodePass['maps']) => parseNpy(writeNpy(t, 'float16'));
  return overlayMapsNpy([{ multiplier: p.multiplier, maps: asCached(p.maps), flippedMaps: asCached(p.flippedMaps) }]);
}

/** Maps are used with the prediction they were made with, and only for the image's present content. */
export function mapsFit(m: { runId: number; contentHash: string }, runId: number, contentHash: string): boolean {
  return m.runId === runId && m.contentHash === contentHash;
}

export const teamMapRepository = {
  /**
   * Stores an image's maps of a run, for the caller's transaction (the one storing the prediction): they replace
   * the maps of an earlier run, never a later one's (workers of two runs may store the same image in any order).
   * One row per image, so a retried store leaves one set. Returns the bytes stored (0: none, or a later run's kept).
   */
  async store(
    c: TeamClient,
    m: { imageId: number; runId: number; contentHash: string; passes: DecodePass[]; now: number },
  ): Promise<number> {
    const npy = teamMapsNpy(m.passes);
    if (!npy) return 0;
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
        m.passes[0].multiplier,
        JSON.stringify(m.passes[0].maps.shape),
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
          shape: JSON.parse(row.shape_json),
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
      shape: JSON.parse(row.shape_json),
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
