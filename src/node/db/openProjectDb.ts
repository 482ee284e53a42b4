import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Migration, readNumberedMigrations } from './numberedMigrations.ts';
import { BUSY_TIMEOUT_MS, writeTransaction } from './writeTransaction.ts';

export type { Migration };

export type ProjectDb = Database.Database;

export class ProjectDbError extends Error {
  override name = 'ProjectDbError';
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The numbered migrations (NNN-name.sql), in order; version N = the schema after file N. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readNumberedMigrations(
    dir,
    (f, expected) => new ProjectDbError(`migration ${f} is out of sequence: expected ${expected}`),
  );
}

export const SCHEMA_VERSION = loadMigrations().length;

/**
 * Opens (creating it when absent) a project database: WAL journal, foreign keys on, a busy timeout, then every
 * pending migration in one transaction each, tracked by PRAGMA user_version. A database written by a newer version
 * of the app, a file that is not SQLite, and a folder that cannot be written are refused with a message saying so.
 */
export function openProjectDb(
  file: string,
  options: { readonly?: boolean; migrations?: Migration[]; fullCheckMaxBytes?: number } = {},
): ProjectDb {
  const migrations = options.migrations ?? loadMigrations();
  const dir = path.dirname(path.resolve(file));
  const exists = existsSync(file);
  if (exists && statSync(file).isDirectory())
    throw new ProjectDbError(
      `cannot open project ${file}: it is a folder; give the project file (a project folder holds it as .simplepose.sqlite)`,
    );
  if (!options.readonly) {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new ProjectDbError(
        `cannot open project ${file}: the folder ${dir} is not writable (a project needs its folder for the database journal)`,
      );
    }
  }
  if (!exists && options.readonly) throw new ProjectDbError(`project ${file} does not exist`);
  let db: ProjectDb;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (e) {
    throw new ProjectDbError(`cannot open project ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number; // reads the header: fails for non-SQLite files
    if (version > migrations.length) {
      throw new ProjectDbError(
        `project ${file} was written by a newer SimplePose Studio (schema ${version}; this version knows up to ${migrations.length}); update the app to open it`,
      );
    }
    if (!options.readonly) {
      setWalMode(db);
      db.pragma('synchronous = NORMAL');
      // Each migration in its own IMMEDIATE transaction that re-reads the version under the write lock: two
      // processes opening a new project at once migrate it once.
      for (const m of migrations.slice(version)) {
        writeTransaction(db, `migration ${m.name}`, () => {
          if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
          db.exec(m.sql);
          db.pragma(`user_version = ${m.version}`);
        });
      }
    }
    const check = integrityCheck(db, file, options.fullCheckMaxBytes ?? FULL_CHECK_MAX_BYTES);
    if (check !== 'ok')
      throw new ProjectDbError(`project ${file} is damaged (${String(check)}); restore it from a backup`);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof ProjectDbError) throw e;
    const msg = (e as Error).message;
    if (/file is not a database|malformed|SQLITE_NOTADB|SQLITE_CORRUPT/i.test(msg))
      throw new ProjectDbError(`project ${file} is not a SimplePose project or is damaged (${msg})`);
    if (/readonly|SQLITE_READONLY|SQLITE_CANTOPEN/i.test(msg))
      throw new ProjectDbError(`cannot write project ${file} (${msg})`);
    throw new ProjectDbError(`cannot open project ${file}: ${msg}`);
  }
}

/**
 * Up to this size (database + WAL) opening a project checks every page (`PRAGMA quick_check`: ~1 s per GB here); a
 * 100,000-image project with ten reviewed persons each is 3.4 GB and would take 3–10 s to open.
 */
export const FULL_CHECK_MAX_BYTES = 256 * 2 ** 20;

/**
 * The tables a large project's open does not check page by page: one row per annotation, edit and prediction, the
 * bulk of the file, each read one image at a time. A damaged page of one is found when it is read, and refused
 * then with the same message (contract/toApiError: SQLITE_CORRUPT).
 */
const BULK_TABLES = new Set(['annotations', 'edits', 'predictions']);

/** `quick_check` of the whole file, or, above `fullMaxBytes`, of every table but the bulk ones (and their indexes). */
function integrityCheck(db: ProjectDb, file: string, fullMaxBytes: number): unknown {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  if (size(file) + size(`${file}-wal`) <= fullMaxBytes) return db.pragma('quick_check', { simple: true });
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  for (const t of tables) {
    if (BULK_TABLES.has(t)) continue;
    const check = db.pragma(`quick_check("${t.replaceAll('"', '""')}")`, { simple: true });
    if (check !== 'ok') return check;
  }
  return 'ok';
}

/**
 * Another connection to a project that `openProjectDb` opened (and migrated) already — a worker thread's own: the
 * same busy timeout and foreign keys, no migration and no integrity check (its opener did both). Refused with a
 * message when the file is not a project at this app's schema.
 */
export function openProjectConnection(file: string): ProjectDb {
  let db: ProjectDb;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (e) {
    throw new ProjectDbError(`cannot open project ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION)
      throw new ProjectDbError(
        `project ${file} is at schema ${version}, not ${SCHEMA_VERSION}: open it with openProjectDb first`,
      );
    return db;
  } catch (e) {
    db.close();
    if (e instanceof ProjectDbError) throw e;
    throw new ProjectDbError(`cannot open project ${file}: ${(e as Error).message}`);
  }
}

/**
 * Switches a new project to WAL. The switch needs the database to itself, and SQLite may refuse it with "database is
 * locked" at once (without the busy handler) while another process is opening or migrating the same new file, so it
 * is retried for up to the busy timeout.
 */
function setWalMode(db: ProjectDb): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!/database is locked|SQLITE_BUSY/i.test((e as Error).message) || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
