import type { ImageRecord, ImageStatus, ListedImage } from '../db/imageRepository.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_images` and `team_assignments` tables: every statement that reads or writes them is here.

export type TeamImageRecord = ImageRecord;

const RECORD = `id::float8 AS id, rel_path AS "relPath", content_hash AS "contentHash", byte_size::float8 AS "byteSize",
  width, height, mtime_ms AS "mtimeMs", status, missing, coco_json AS "cocoJson",
  sort_key::float8 AS "sortKey", latest_score AS "latestScore", review_note AS "reviewNote"`;
/** Project order exactly as SQLite's `ORDER BY sort_key, rel_path`: NULLs first, paths byte by byte. */
const ORDER = 'sort_key NULLS FIRST, rel_path COLLATE "C"';
/** The rows a user may see: everything ($1 NULL), or the images assigned to user $1. */
const SCOPE =
  '($1::bigint IS NULL OR EXISTS (SELECT 1 FROM team_assignments a WHERE a.user_id = $1 AND a.image_id = team_images.id))';

export const teamImageRepository = {
  /** Inserts images as a push brings them (their project order kept by sort key and path); returns the new ids. */
  async insertMany(c: TeamClient, rows: Omit<ImageRecord, 'id' | 'latestScore'>[], addedAt: number) {
    if (!rows.length) return [] as number[];
    const r = await c.query<{ id: string }>(
      `INSERT INTO team_images (rel_path, content_hash, byte_size, width, height, mtime_ms, status, missing, added_at,
         coco_json, sort_key, review_note)
       SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::int[], $5::int[], $6::float8[], $7::text[],
         $8::boolean[], $9::bigint[], $10::text[], $11::bigint[], $12::text[])
       RETURNING id`,
      [
        rows.map((x) => x.relPath),
        rows.map((x) => x.contentHash),
        rows.map((x) => x.byteSize),
        rows.map((x) => x.width),
        rows.map((x) => x.height),
        rows.map((x) => x.mtimeMs),
        rows.map((x) => x.status),
        rows.map((x) => x.missing),
        rows.map(() => addedAt),
        rows.map((x) => x.cocoJson),
        rows.map((x) => x.sortKey),
        rows.map((x) => x.reviewNote),
      ],
    );
    return r.rows.map((x) => Number(x.id));
  },

  /** `n` new image ids, taken from the table's sequence (an import gives its new rows their ids before writing). */
  async reserveIds(c: TeamClient, n: number): Promise<number[]> {
    if (n === 0) return [];
    const r = await c.query<{ id: string }>(
      "SELECT nextval(pg_get_serial_sequence('team_images', 'id')) AS id FROM generate_series(1, $1)",
      [n],
    );
    return r.rows.map((x) => Number(x.id));
  },

  /** Inserts an import's new images under the ids reserved for them. */
  async insertWithIds(c: TeamClient, rows: ImageRecord[], addedAt: number): Promise<void> {
    for (const x of rows)
      await c.query(
        `INSERT INTO team_images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, status, missing,
           added_at, coco_json, sort_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          x.id,
          x.relPath,
          x.contentHash,
          x.byteSize,
          x.width,
          x.height,
          x.mtimeMs,
          x.status,
          x.missing,
          addedAt,
          x.cocoJson,
          x.sortKey,
        ],
      );
  },

  async setCocoRecord(c: TeamClient, id: number, cocoJson: string, sortKey: number): Promise<void> {
    await c.query('UPDATE team_images SET coco_json = $2, sort_key = $3 WHERE id = $1', [id, cocoJson, sortKey]);
  },

  /** Locks the table against other pushes (and writers) until the caller's transaction ends; reads go on. */
  async lockForPush(c: TeamClient): Promise<void> {
    await c.query('LOCK TABLE team_images IN EXCLUSIVE MODE');
  },

  async count(c: TeamClient): Promise<number> {
    return Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM team_images')).rows[0].n);
  },

  /** Every image in project order (an export, a push's check). */
  async all(c: TeamClient): Promise<TeamImageRecord[]> {
    return (await c.query<TeamImageRecord>(`SELECT ${RECORD} FROM team_images ORDER BY ${ORDER}`)).rows;
  },

  /** The images a user sees (assignedTo: only theirs; null: all), in project order; `status`: only those. */
  async visible(c: TeamClient, assignedTo: number | null, status?: ImageStatus): Promise<TeamImageRecord[]> {
    const q = await c.query<TeamImageRecord>(
      `SELECT ${RECORD} FROM team_images WHERE ${SCOPE} AND ($2::text IS NULL OR status = $2) ORDER BY ${ORDER}`,
      [assignedTo, status ?? null],
    );
    return q.rows;
  },

  async get(c: TeamClient, id: number, forUpdate = false): Promise<TeamImageRecord | undefined> {
    const lock = forUpdate ? ' FOR UPDATE' : '';
    return (await c.query<TeamImageRecord>(`SELECT ${RECORD} FROM team_images WHERE id = $1${lock}`, [id])).rows[0];
  },

  /** Ids of the images a detection run covers (not missing), in project order. */
  async detectable(c: TeamClient): Promise<{ id: number; relPath: string; contentHash: string }[]> {
    const r = await c.query(
      `SELECT id::float8 AS id, rel_path AS "relPath", content_hash AS "contentHash" FROM team_images
       WHERE NOT missing ORDER BY ${ORDER}`,
    );
    return r.rows;
  },

  /**
   * One page of the list a user sees (assignedTo: only theirs; null: all) with the app's filters, its total, and
   * where `positionOf` is in it (null: filtered out), in project order or the order of `ids`.
   */
  async page(
    c: TeamClient,
    o: {
      assignedTo: number | null;
      status?: ImageStatus;
      minScore?: number;
      maxScore?: number;
      ids?: number[];
      positionOf?: number;
      offset: number;
      limit: number;
    },
  ): Promise<{ total: number; images: ListedImage[]; position?: number | null }> {
    const args = [o.assignedTo, o.status ?? null, o.minScore ?? null, o.maxScore ?? null, o.ids ?? null];
    const where = `WHERE ${SCOPE} AND ($2::text IS NULL OR status = $2)
      AND ($3::float8 IS NULL OR latest_score >= $3) AND ($4::float8 IS NULL OR latest_score <= $4)
      AND ($5::bigint[] IS NULL OR id = ANY($5::bigint[]))`;
    const order = o.ids ? 'array_position($5::bigint[], id)' : ORDER;
    const total = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM team_images ${where}`, args);
    const rows = await c.query<ListedImage>(
      `SELECT id::float8 AS id, rel_path AS "relPath", width, height, status, missing, latest_score AS score
       FROM team_images ${where} ORDER BY ${order} LIMIT $6 OFFSET $7`,
      [...args, o.limit, o.offset],
    );
    const out: { total: number; images: ListedImage[]; position?: number | null } = {
      total: Number(total.rows[0].n),
      images: rows.rows,
    };
    if (o.positionOf !== undefined) {
      const pos = await c.query<{ pos: string }>(
        `SELECT pos FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY ${order}) - 1 AS pos FROM team_images ${where}) x
         WHERE id = $6`,
        [...args, o.positionOf],
      );
      out.position = pos.rows[0] ? Number(pos.rows[0].pos) : null;
    }
    return out;
  },

  /** How many images a user sees (null: all) have each status. */
  async counts(c: TeamClient, assignedTo: number | null): Promise<Partial<Record<ImageStatus, number>>> {
    const r = await c.query<{ status: ImageStatus; n: string }>(
      `SELECT status, COUNT(*) AS n FROM team_images WHERE ${SCOPE} GROUP BY status`,
      [assignedTo],
    );
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
  },

  async setStatus(c: TeamClient, id: number, status: ImageStatus): Promise<void> {
    await c.query('UPDATE team_images SET status = $2 WHERE id = $1', [id, status]);
  },

  /** Sets or clears why the image must be looked at before it exports (a pushed project's review note). */
  async setReviewNote(c: TeamClient, id: number, note: string | null): Promise<void> {
    await c.query('UPDATE team_images SET review_note = $2 WHERE id = $1', [id, note]);
  },

  /** Assigns images to a user (as well as to whoever has them already); returns how many of them exist. */
  async assign(c: TeamClient, ids: number[], userId: number): Promise<number> {
    await c.query(
      `INSERT INTO team_assignments (image_id, user_id) SELECT id, $2 FROM team_images WHERE id = ANY($1::bigint[])
       ON CONFLICT DO NOTHING`,
      [ids, userId],
    );
    return teamImageRepository.existing(c, ids);
  },

  /** Takes images from a user (null: from everybody); returns how many of them exist. */
  async unassign(c: TeamClient, ids: number[], userId: number | null): Promise<number> {
    await c.query(
      'DELETE FROM team_assignments WHERE image_id = ANY($1::bigint[]) AND ($2::bigint IS NULL OR user_id = $2)',
      [ids, userId],
    );
    return teamImageRepository.existing(c, ids);
  },

  async existing(c: TeamClient, ids: number[]): Promise<number> {
    const r = await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM team_images WHERE id = ANY($1::bigint[])', [ids]);
    return Number(r.rows[0].n);
  },

  async isAssigned(c: TeamClient, imageId: number, userId: number): Promise<boolean> {
    const r = await c.query('SELECT 1 FROM team_assignments WHERE user_id = $1 AND image_id = $2', [userId, imageId]);
    return (r.rowCount ?? 0) > 0;
  },

  /** The mean person score of the image's latest current prediction (what its list row shows). */
  async setLatestScore(c: TeamClient, id: number, score: number | null): Promise<void> {
    await c.query('UPDATE team_images SET latest_score = $2 WHERE id = $1', [id, score]);
  },
};
