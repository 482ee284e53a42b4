// The team database's migrations on a real PostgreSQL: numbered files, applied once even when several processes
// open a new database at once, a newer schema and a gap refused, connection failures in words.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTeamMigrations, openTeamDb, TEAM_SCHEMA_VERSION, TeamDbError } from '../../src/node/team/openTeamDb.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();

describe.skipIf(PG_MISSING)('team database migrations', () => {
  it('migrates a new database to the current schema, once, with 4 openers at once', async () => {
    const url = await pg.cluster().createDatabase('mig_race');
    const dbs = await Promise.all(Array.from({ length: 4 }, () => openTeamDb(url)));
    const v = await dbs[0].pool.query('SELECT version FROM team_schema');
    expect(v.rows).toEqual([{ version: TEAM_SCHEMA_VERSION }]);
    const tables = await dbs[0].pool.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'team_%' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.tablename)).toContain('team_predictions');
    await Promise.all(dbs.map((d) => d.close()));
  });

  it('refuses a database of a newer app, and a migration folder with a gap', async () => {
    const url = await pg.cluster().createDatabase('mig_newer');
    const db = await openTeamDb(url);
    await db.pool.query('UPDATE team_schema SET version = 99');
    await db.close();
    await expect(openTeamDb(url)).rejects.toThrow(/newer SimplePose Studio \(schema 99; this version knows up to/);
    const dir = mkdtempSync(path.join(tmpdir(), 'team-mig-'));
    writeFileSync(path.join(dir, '001-a.sql'), 'SELECT 1;');
    writeFileSync(path.join(dir, '003-c.sql'), 'SELECT 1;');
    expect(() => loadTeamMigrations(dir)).toThrow(/003-c.sql is out of sequence: expected 002/);
  });

  it('applies a new numbered migration to a database at the previous version, and a failing one not at all', async () => {
    const url = await pg.cluster().createDatabase('mig_next');
    await (await openTeamDb(url)).close();
    const base = loadTeamMigrations();
    const next = [
      ...base,
      { version: base.length + 1, name: 'x-extra.sql', sql: 'ALTER TABLE team_meta ADD COLUMN note TEXT;' },
    ];
    const db = await openTeamDb(url, { migrations: next });
    expect((await db.pool.query('SELECT version FROM team_schema')).rows[0].version).toBe(base.length + 1);
    await db.pool.query("INSERT INTO team_meta (key, value, note) VALUES ('k', 'v', 'n')");
    await db.close();
    const broken = [
      ...next,
      { version: next.length + 1, name: 'y-broken.sql', sql: 'CREATE TABLE team_z (a INT); SELECT nonsense;' },
    ];
    await expect(openTeamDb(url, { migrations: broken })).rejects.toThrow(/nonsense/);
    const again = await openTeamDb(url, { migrations: next });
    expect((await again.pool.query("SELECT to_regclass('team_z') AS t")).rows[0].t).toBeNull();
    await again.close();
  });

  it('says which: no server, no such database, not a URL', async () => {
    await expect(openTeamDb('postgresql://postgres@127.0.0.1:1/x')).rejects.toThrow(
      /cannot reach the team database at postgresql:\/\/postgres@127.0.0.1:1\/x: no PostgreSQL server answers there/,
    );
    const missing = pg.cluster().url.replace(/\/postgres$/, '/nothere');
    await expect(openTeamDb(missing)).rejects.toThrow(/does not exist: create it first/);
    await expect(openTeamDb('/tmp/team.sqlite')).rejects.toThrow(TeamDbError);
  });
});
