// The team tests' PostgreSQL: one throwaway cluster per test file (scripts/pgCluster.ts), started before its tests
// and stopped after them, each test on a database of its own. Where PostgreSQL cannot run, the tests are skipped
// with the reason printed — exactly what is missing.
import { afterAll, beforeAll } from 'vitest';
import { pgMissing, startPgCluster, type PgCluster } from '../../scripts/pgCluster.ts';
import { openTeamDb, type TeamDb } from '../../src/node/team/openTeamDb.ts';

export const PG_MISSING = pgMissing();
if (PG_MISSING) console.warn(`team tests skipped: ${PG_MISSING}`);

/** The file's cluster, started in beforeAll; `fresh()` opens (migrates) a new empty team database on it. */
export function teamClusterPerFile(): { cluster(): PgCluster; fresh(o?: { max?: number }): Promise<TeamDb> } {
  let cluster: PgCluster | null = null;
  let n = 0;
  const opened: TeamDb[] = [];
  beforeAll(async () => {
    if (!PG_MISSING) cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    cluster?.stop();
  });
  return {
    cluster: () => cluster!,
    async fresh(o = {}) {
      const url = await cluster!.createDatabase(`team_${process.pid}_${++n}`);
      const db = await openTeamDb(url, o);
      opened.push(db);
      return db;
    },
  };
}
