import pg from 'pg';
import type { TeamClient } from './teamTransaction.ts';
import type { TeamRunProgress } from './teamRunRepository.ts';

/**
 * Live events of a team project through PostgreSQL's LISTEN/NOTIFY: every open client (team server, CLI, app)
 * sees a run's progress as workers store predictions, a cancel as soon as it is made, an annotation's new revision
 * and who saved it. (Who has an image open is the team server's: server/teamPresence.ts.) NOTIFY inside a transaction is delivered when it commits (and never if it rolls back).
 */
export const TEAM_CHANNEL = 'simplepose_team';

export type TeamEvent =
  | ({ kind: 'progress' } & TeamRunProgress)
  | { kind: 'annotation'; imageId: number; revision: number; userId: number | null; userName?: string }
  | { kind: 'reviewSettings'; personScoreThreshold: number | null };

export async function notifyTeam(c: TeamClient, e: TeamEvent): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [TEAM_CHANNEL, JSON.stringify(e)]);
}

/** Listens on its own connection; close() ends it. */
export async function listenTeam(url: string, onEvent: (e: TeamEvent) => void): Promise<{ close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  client.on('notification', (n) => {
    if (n.channel !== TEAM_CHANNEL || !n.payload) return;
    try {
      onEvent(JSON.parse(n.payload) as TeamEvent);
    } catch {
      // not ours
    }
  });
  await client.query(`LISTEN ${TEAM_CHANNEL}`);
  return { close: () => client.end() };
}
