import type { Statement } from 'better-sqlite3';
import type { ProjectDb } from './openProjectDb.ts';

/**
 * The prepared statements of one connection, each prepared the first time its SQL is used and reused after:
 * preparing costs more than running an indexed statement. Keyed by the SQL text, so a query built from a few fixed
 * fragments (a filter variant) is prepared once per variant. Statements are prepared lazily so that a connection
 * opened read-only on an older schema can still run what it has.
 */
export class StatementCache {
  private readonly db: ProjectDb;
  private readonly made = new Map<string, Statement>();

  constructor(db: ProjectDb) {
    this.db = db;
  }

  get(sql: string): Statement {
    let s = this.made.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.made.set(sql, s);
    }
    return s;
  }

  /** A statement that returns its first column only (better-sqlite3's pluck), cached apart from the plain one. */
  pluck(sql: string): Statement {
    const key = `pluck:${sql}`;
    let s = this.made.get(key);
    if (!s) {
      s = this.db.prepare(sql).pluck();
      this.made.set(key, s);
    }
    return s;
  }

  /** How many statements this connection prepared here (tests: statements are reused, not prepared per call). */
  get size(): number {
    return this.made.size;
  }
}

/**
 * One instance per connection (a repository and its statements), made on first use: `imageRepository(db)` anywhere
 * gives the same object for the same connection, and a new one for another connection (a worker's own).
 */
export function perConnection<T>(make: (db: ProjectDb) => T): (db: ProjectDb) => T {
  const made = new WeakMap<ProjectDb, T>();
  return (db) => {
    let r = made.get(db);
    if (r === undefined) {
      r = make(db);
      made.set(db, r);
    }
    return r;
  };
}
