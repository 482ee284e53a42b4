import type { ProjectDb } from './openProjectDb.ts';
import { ApiError } from '../../contract/apiErrors.ts';

/**
 * How long one attempt waits for the write lock (PRAGMA busy_timeout of every project connection): 5 s, or
 * SIMPLEPOSE_BUSY_TIMEOUT_MS. better-sqlite3 waits synchronously, so a server answers nothing else meanwhile.
 */
export const BUSY_TIMEOUT_MS = Number.parseInt(process.env.SIMPLEPOSE_BUSY_TIMEOUT_MS ?? '', 10) || 5000;
/** Attempts of a write transaction that found the database busy, in all (bounded: a refusal then says why). */
export const WRITE_ATTEMPTS = 3;

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));

export function isBusyError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (BUSY_CODES.has(code) || code.startsWith('SQLITE_BUSY'));
}

/**
 * Runs `fn` as one write transaction that starts IMMEDIATE: it takes the write lock before reading, so what it
 * reads cannot go stale before it writes (a deferred transaction that reads and then writes gets
 * SQLITE_BUSY_SNAPSHOT when another connection wrote in between, and busy_timeout never retries that). Waiting for
 * the lock is busy_timeout's; a transaction still refused as busy is retried, WRITE_ATTEMPTS times in all, after a
 * short pause, and then refused with an `unavailable` ApiError saying what happened (`what`: "the edit", …).
 * Inside another transaction (an import's edits), `fn` runs as part of it: what it throws undoes the whole.
 */
export function writeTransaction<T>(db: ProjectDb, what: string, fn: () => T): T {
  if (db.inTransaction) return fn();
  const run = db.transaction(fn);
  const t0 = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return run.immediate();
    } catch (e) {
      if (!isBusyError(e)) throw e;
      if (attempt >= WRITE_ATTEMPTS)
        throw new ApiError(
          'unavailable',
          `${what} was not saved: the project database stayed locked by another writer (another window, server, detection or import) through ${attempt} tries in ${((performance.now() - t0) / 1000).toFixed(1)} s; nothing was changed, try again`,
        );
      Atomics.wait(sleepBuffer, 0, 0, 20 + Math.random() * 30 * attempt);
    }
  }
}

/**
 * Runs `fn`, which only reads, in one read transaction: what it reads with several statements is one snapshot (WAL),
 * as one query would see it, whatever other connections commit meanwhile. Inside another transaction, part of it.
 */
export function readTransaction<T>(db: ProjectDb, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn).deferred();
}
