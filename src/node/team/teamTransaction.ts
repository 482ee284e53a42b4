import type pg from 'pg';
import { ApiError } from '../../contract/apiErrors.ts';

/** A connection of the team database's pool, or one inside a transaction (what the repositories take). */
export type TeamClient = pg.Pool | pg.PoolClient;

/** Attempts of a transaction PostgreSQL aborted as a serialization failure or a deadlock, in all. */
export const TEAM_WRITE_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/**
 * Runs `fn` as one write transaction on a connection of its own. PostgreSQL's equivalent of SQLite's BEGIN
 * IMMEDIATE: the rows a write depends on are locked before they are read (the repositories' `…ForUpdate` reads,
 * SELECT … FOR UPDATE), so what it read cannot go stale before it writes; other rows stay writable by others.
 * A transaction PostgreSQL aborts (serialization failure, deadlock) is retried, TEAM_WRITE_ATTEMPTS times in all,
 * then refused with an `unavailable` ApiError; anything `fn` throws rolls the whole back.
 */
export async function teamWriteTransaction<T>(
  pool: pg.Pool,
  what: string,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const c = await connect(pool, what);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (e as { code?: string }).code;
      if (!code || !RETRYABLE.has(code)) throw e;
      if (attempt >= TEAM_WRITE_ATTEMPTS)
        throw new ApiError(
          'unavailable',
          `${what} was not saved: the team database aborted it ${attempt} times as it collided with other writers; nothing was changed, try again`,
        );
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20 * attempt));
    } finally {
      c.release();
    }
  }
}

/** Runs `fn`, which only reads, as one snapshot (REPEATABLE READ): an export's images and annotations agree. */
export async function teamReadTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await connect(pool, 'the read');
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

async function connect(pool: pg.Pool, what: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (e) {
    throw new ApiError('unavailable', `${what} failed: the team database cannot be reached (${(e as Error).message})`);
  }
}
