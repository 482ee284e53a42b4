import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';
import type { PoseRequest } from '../../contract/poseApi.ts';

// The `images` table: every statement that reads or writes it is here.

export type ImageStatus = PoseRequest<'setStatus'>['status'];

/** A file's facts as a scan or an import measures them. */
export interface ImageFileFacts {
  contentHash: string;
  byteSize: number;
  /** After EXIF orientation. */
  width: number;
  height: number;
  mtimeMs: number;
}

/** A new image row: a scanned file, or an imported COCO record (its record and file order kept). */
export interface NewImage extends ImageFileFacts {
  relPath: string;
  addedAt: number;
  missing?: boolean;
  cocoJson?: string | null;
  sortKey?: number | null;
}

export interface ImageRecord extends ImageFileFacts {
  id: number;
  relPath: string;
  status: ImageStatus;
  missing: boolean;
  cocoJson: string | null;
  sortKey: number | null;
  /** Mean person score of the latest prediction (migration 006); null: none, or nobody found. */
  latestScore: number | null;
  /** Why the image must be looked at before it exports (migration 009: its annotation is of another size); null: none. */
  reviewNote: string | null;
}

export interface ImageFilter {
  status?: ImageStatus;
  minScore?: number;
  maxScore?: number;
  /** Just these images, in this order. */
  ids?: number[];
  limit?: number;
  offset?: number;
}

export type ListedImage = Pick<ImageRecord, 'id' | 'relPath' | 'width' | 'height' | 'status' | 'missing'> & {
  score: number | null;
};

const RECORD = `id, rel_path AS relPath, content_hash AS contentHash, byte_size AS byteSize, width, height,
  mtime_ms AS mtimeMs, status, missing, coco_json AS cocoJson, sort_key AS sortKey, latest_score AS latestScore,
  review_note AS reviewNote`;
/** Project order: by an import's file order (images without one, NULL, sort first in SQLite), then by path. */
const ORDER = 'sort_key, rel_path';

type Row<T> = Omit<T, 'missing'> & { missing: number };
const withMissing = <T extends { missing: boolean }>(r: Row<T>): T => ({ ...r, missing: r.missing === 1 }) as T;

export class ImageRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  exists(id: number): boolean {
    return this.q.pluck('SELECT 1 FROM images WHERE id = ?').get(id) !== undefined;
  }

  get(id: number): ImageRecord | undefined {
    const r = this.q.get(`SELECT ${RECORD} FROM images WHERE id = ?`).get(id) as Row<ImageRecord> | undefined;
    return r && withMissing(r);
  }

  byPath(relPath: string): ImageRecord | undefined {
    const r = this.q.get(`SELECT ${RECORD} FROM images WHERE rel_path = ?`).get(relPath) as
      | Row<ImageRecord>
      | undefined;
    return r && withMissing(r);
  }

  size(id: number): { width: number; height: number } | undefined {
    return this.q.get('SELECT width, height FROM images WHERE id = ?').get(id) as
      | { width: number; height: number }
      | undefined;
  }

  /** Every image, in project order (exports, COCO ids, import checks). */
  all(): ImageRecord[] {
    return (this.q.get(`SELECT ${RECORD} FROM images ORDER BY ${ORDER}`).all() as Row<ImageRecord>[]).map(withMissing);
  }

  /** Images whose files are there, in project order (detection). */
  present(): Pick<ImageRecord, 'id' | 'relPath' | 'contentHash'>[] {
    return this.q
      .get(
        `SELECT id, rel_path AS relPath, content_hash AS contentHash FROM images WHERE missing = 0 ORDER BY ${ORDER}`,
      )
      .all() as Pick<ImageRecord, 'id' | 'relPath' | 'contentHash'>[];
  }

  /** Present images with a review status, by id (review queues). */
  withStatus(status: ImageStatus): Pick<ImageRecord, 'id' | 'width' | 'height' | 'contentHash'>[] {
    return this.q
      .get('SELECT id, width, height, content_hash AS contentHash FROM images WHERE status = ? AND missing = 0')
      .all(status) as Pick<ImageRecord, 'id' | 'width' | 'height' | 'contentHash'>[];
  }

  statusCounts(): Record<string, number> {
    const rows = this.q.get('SELECT status, COUNT(*) AS n FROM images GROUP BY status').all() as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * A page of the image list and the total the filter matches. The SQL is one of a few variants (which filters are
   * given), each prepared once; `ids` travel as one JSON parameter, whatever their number.
   */
  list(f: ImageFilter): { total: number; images: ListedImage[] } {
    const { where, args, order, orderArgs } = listQuery(f);
    const total = this.q.pluck(`SELECT COUNT(*) FROM images ${where}`).get(...args) as number;
    const rows = this.q
      .get(
        `SELECT id, rel_path AS relPath, width, height, status, missing, latest_score AS score FROM images ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(...args, ...orderArgs, f.limit ?? 500, f.offset ?? 0) as Row<ListedImage>[];
    return { total, images: rows.map(withMissing) };
  }

  /** Where image `id` is in the list of this filter (its index from 0), or null when the filter leaves it out. */
  position(f: ImageFilter, id: number): number | null {
    const { where, args, order, orderArgs } = listQuery(f);
    const pos = this.q
      .pluck(
        `SELECT pos FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY ${order}) - 1 AS pos FROM images ${where}) WHERE id = ?`,
      )
      .get(...orderArgs, ...args, id) as number | undefined; // the window's ORDER BY comes before the WHERE
    return pos ?? null;
  }

  /** Sets the review status (`ifStatus`: only from that status, in the same statement); the status after. */
  setStatus(id: number, status: ImageStatus, ifStatus?: ImageStatus): ImageStatus | undefined {
    if (ifStatus === undefined) this.q.get('UPDATE images SET status = ? WHERE id = ?').run(status, id);
    else this.q.get('UPDATE images SET status = ? WHERE id = ? AND status = ?').run(status, id, ifStatus);
    return this.q.pluck('SELECT status FROM images WHERE id = ?').get(id) as ImageStatus | undefined;
  }

  /** The one way an image row is made (scan and import alike); its id. */
  insert(im: NewImage): number {
    const r = this.q
      .get(
        `INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, missing, added_at, coco_json, sort_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        im.relPath,
        im.contentHash,
        im.byteSize,
        im.width,
        im.height,
        im.mtimeMs,
        im.missing ? 1 : 0,
        im.addedAt,
        im.cocoJson ?? null,
        im.sortKey ?? null,
      );
    return Number(r.lastInsertRowid);
  }

  /** A file measured again (changed, or touched): its facts, and present. */
  updateFile(id: number, f: ImageFileFacts): void {
    this.q
      .get(
        'UPDATE images SET content_hash = ?, byte_size = ?, width = ?, height = ?, mtime_ms = ?, missing = 0 WHERE id = ?',
      )
      .run(f.contentHash, f.byteSize, f.width, f.height, f.mtimeMs, id);
  }

  /** Sets (or, null, clears) why the image must be looked at before it exports. */
  setReviewNote(id: number, note: string | null): void {
    this.q.get('UPDATE images SET review_note = ? WHERE id = ?').run(note, id);
  }

  setMissing(id: number, missing: boolean): void {
    this.q.get('UPDATE images SET missing = ? WHERE id = ?').run(missing ? 1 : 0, id);
  }

  /** The COCO image record an import brought, and its place in the file. */
  setCocoRecord(id: number, cocoJson: string, sortKey: number): void {
    this.q.get('UPDATE images SET coco_json = ?, sort_key = ? WHERE id = ?').run(cocoJson, sortKey, id);
  }
}

/** The WHERE and ORDER BY of a list variant, with their parameters (the list and a position in it agree). */
function listQuery(f: ImageFilter): { where: string; args: (string | number)[]; order: string; orderArgs: string[] } {
  const conds: string[] = [],
    args: (string | number)[] = [];
  const when = (given: boolean, cond: string, arg: () => string | number) => {
    if (!given) return;
    conds.push(cond);
    args.push(arg());
  };
  when(f.status !== undefined, 'status = ?', () => f.status!);
  when(f.minScore !== undefined, 'latest_score >= ?', () => f.minScore!);
  when(f.maxScore !== undefined, 'latest_score <= ?', () => f.maxScore!);
  when(f.ids !== undefined, 'id IN (SELECT value FROM json_each(?))', () => JSON.stringify(f.ids));
  return {
    where: conds.length ? `WHERE ${conds.join(' AND ')}` : '',
    args,
    order: `${f.ids ? "instr(?, ',' || id || ','), " : ''}${ORDER}`,
    orderArgs: f.ids ? [`,${f.ids.join(',')},`] : [],
  };
}

export const imageRepository = perConnection((db) => new ImageRepository(db));
