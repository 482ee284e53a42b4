import pg from 'pg';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Migration, readNumberedMigrations } from '../db/numberedMigrations.ts';
import { teamWriteTransaction } from './teamTransaction.ts';

export class TeamDbError extends Error {
  override name = 'TeamDbError';
}

/** A team schema migration (the same shape as the SQLite project's). */
export type TeamMigration = Migration;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Any number: the key of the advisory lock that serialises migrations of one team database. */
const MIGRATION_LOCK = 0x5350_7431;

/** The numbered team migrations (NNN-name.sql), in order; a gap is refused as SQLite's runner refuses it. */
export function loadTeamMigrations(dir = MIGRATIONS_DIR): TeamMigration[] {
  return readNumberedMigrations(
    dir,
    (f, expected) => new TeamDbError(`team migration ${f} is out of sequence: expected ${expected}`),
  );
}

export const TEAM_SCHEMA_VERSION = loadTeamMigrations().length;

/** A team database: its pool (pg), closed by close(). */
export interface TeamDb {
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * Connects to a team database (postgresql://…) and brings its schema up to date: each pending migration in a
 * transaction of its own under an advisory lock that re-reads the version (several servers and workers starting at
 * once migrate it once), tracked in team_schema. A database of a newer app, an unreachable server, a wrong password
 * and a missing database are refused with a message saying which.
 */
export async function openTeamDb(
  url: string,
  o: { migrations?: TeamMigration[]; max?: number; migrate?: boolean } = {},
): Promise<TeamDb> {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new TeamDbError(`not a team database URL: ${shownUrl(url)} (expected postgresql://user@host:port/database)`);
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle client's lost connection: the next query reports it
  const migrations = o.migrations ?? loadTeamMigrations();
  try {
    await pool.query('SELECT 1');
    await migrateTeamDb(pool, migrations, o.migrate ?? true, url);
  } catch (e) {
    await pool.end().catch(() => undefined);
    if (e instanceof TeamDbError) throw e;
    throw new TeamDbError(connectionProblem(url, e as Error & { code?: string }));
  }
  return { pool, url, close: () => pool.end() };
}

async function migrateTeamDb(pool: pg.Pool, migrations: TeamMigration[], migrate: boolean, url: string) {
  const version = await schemaVersion(pool);
  if (version > migrations.length)
    throw new TeamDbError(
      `team database ${shownUrl(url)} was written by a newer SimplePose Studio (schema ${version}; this version knows up to ${migrations.length}); update the app`,
    );
  if (version === migrations.length) return;
  if (!migrate)
    throw new TeamDbError(`team database ${shownUrl(url)} is at schema ${version}, not ${migrations.length}`);
  for (const m of migrations.slice(version)) {
    await teamWriteTransaction(pool, `team migration ${m.name}`, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(
        'CREATE TABLE IF NOT EXISTS team_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)',
      );
      const now = await c.query<{ version: number }>('SELECT version FROM team_schema WHERE id = 1');
      if ((now.rows[0]?.version ?? 0) >= m.version) return;
      await c.query(m.sql);
      await c.query(
        'INSERT INTO team_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version',
        [m.version],
      );
    });
  }
}

async function schemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query("SELECT to_regclass('team_schema') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return 0;
  const r = await pool.query<{ version: number }>('SELECT version FROM team_schema WHERE id = 1');
  return r.rows[0]?.version ?? 0;
}

/** A connection failure in words: which server, and what to check. */
function connectionProblem(url: string, e: Error & { code?: string }): string {
  const where = shownUrl(url);
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH')
    return `cannot reach the team database at ${where}: no PostgreSQL server answers there (${e.code === 'ENOTFOUND' ? 'unknown host' : 'connection refused'})`;
  if (e.code === '28P01' || e.code === '28000') return `the team database at ${where} refused the login: ${e.message}`;
  if (e.code === '3D000') return `the team database at ${where} does not exist: create it first (createdb)`;
  return `cannot open the team database at ${where}: ${e.message}`;
}
