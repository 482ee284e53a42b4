import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_maps` table: the cached maps of each image's latest prediction (one row per image), in the team database
// that every server and worker reaches (ARCHITECTURE: "Team cached maps").

/** Where each pass's .npy bytes lie in a row's `data` (mapsBytes, then flippedBytes, pass after pass). */
interface StoredPass {
  multiplier: number;
  /** [50, h, w]: stride-4 map space of the pass (padding included). */
  shape: number[];
  mapsBytes: number;
  flippedBytes: number | null;
}

/** What getPredictions says of an image's maps, read without their bytes. */
export interface TeamMapsInfo {
  runId: number;
  contentHash: string;
  multiplier: number;
  shape: number[];
}

export interface TeamMaps {
  runId: number;
  contentHash: string;
  passes: DecodePass[];
}

/** The passes as float16 .npy bytes (the local cache's files, mapFiles.ts) one after the other, and where each lies. */
function encode(passes: DecodePass[]): { stored: StoredPass[]; data: Buffer } {
  const chunks: Uint8Array[] = [];
  const stored = passes.map((p) => {
    const maps = writeNpy(p.maps, 'float16');
    const flipped = p.flippedMaps && writeNpy(p.flippedMaps, 'float16');
    chunks.push(maps, ...(flipped ? [flipped] : []));
    return {
      multiplier: p.multiplier,
      shape: p.maps.shape,
      mapsBytes: maps.length,
      flippedBytes: flipped?.length ?? null,
    };
  });
  return { stored, data: Buffer.concat(chunks) };
}

function decode(stored: StoredPass[], data: Buffer): DecodePass[] {
  let at = 0;
  const take = (n: number) => {
    const npy = new Uint8Array(data.buffer, data.byteOffset + at, n);
    at += n;
    return parseNpy(npy);
  };
  return stored.map((p) => ({
    multiplier: p.multiplier,
    maps: take(p.mapsBytes),
    flippedMaps: p.flippedBytes === null ? null : take(p.flippedBytes),
  }));
}

export const teamMapRepository = {
  /**
   * Stores an image's maps of a run, for the caller's transaction (the one storing the prediction): they replace
   * the maps of an earlier run, never a later one's (workers of two runs may store the same image in any order).
   * One row per image, so a retried store leaves one set. Returns the bytes stored (0: a later run's are kept).
   */
  async store(
    c: TeamClient,
    m: { imageId: number; runId: number; contentHash: string; passes: DecodePass[]; now: number },
  ): Promise<number> {
    if (!m.passes.length) return 0;
    const { stored, data } = encode(m.passes);
    const q = await c.query(
      `INSERT INTO team_maps (image_id, run_id, content_hash, passes_json, data, bytes, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (image_id) DO UPDATE SET run_id = EXCLUDED.run_id, content_hash = EXCLUDED.content_hash,
         passes_json = EXCLUDED.passes_json, data = EXCLUDED.data, bytes = EXCLUDED.bytes,
         created_at = EXCLUDED.created_at
       WHERE team_maps.run_id < EXCLUDED.run_id`,
      [m.imageId, m.runId, m.contentHash, JSON.stringify(stored), data, data.length, m.now],
    );
    return (q.rowCount ?? 0) > 0 ? data.length : 0;
  },

  /** The first pass's multiplier and shape of the image's stored maps, without reading them; null: none. */
  async info(c: TeamClient, imageId: number): Promise<TeamMapsInfo | null> {
    const q = await c.query<{ runId: number; contentHash: string; passes_json: string }>(
      `SELECT run_id::float8 AS "runId", content_hash AS "contentHash", passes_json FROM team_maps
       WHERE image_id = $1`,
      [imageId],
    );
    const row = q.rows[0];
    if (!row) return null;
    const first = (JSON.parse(row.passes_json) as StoredPass[])[0];
    return { runId: row.runId, contentHash: row.contentHash, multiplier: first.multiplier, shape: first.shape };
  },

  /** The image's stored maps, every pass; null: none. */
  async get(c: TeamClient, imageId: number): Promise<TeamMaps | null> {
    const q = await c.query<{ runId: number; contentHash: string; passes_json: string; data: Buffer }>(
      `SELECT run_id::float8 AS "runId", content_hash AS "contentHash", passes_json, data FROM team_maps
       WHERE image_id = $1`,
      [imageId],
    );
    const row = q.rows[0];
    if (!row) return null;
    return { runId: row.runId, contentHash: row.contentHash, passes: decode(JSON.parse(row.passes_json), row.data) };
  },

  /** Rows and bytes of the table (tests, the benchmark, an admin's look at the database's size). */
  async totals(c: TeamClient): Promise<{ rows: number; bytes: number }> {
    const q = await c.query('SELECT COUNT(*)::int AS rows, COALESCE(SUM(bytes), 0)::float8 AS bytes FROM team_maps');
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
