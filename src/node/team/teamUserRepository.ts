import type { TeamClient } from './teamTransaction.ts';

// The `team_users` and `team_sessions` tables: accounts with their role and password hash, and the sessions a
// login opens (only a token's SHA-256 is stored).

export const TEAM_ROLES = ['admin', 'annotator', 'reviewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];
export const isTeamRole = (x: unknown): x is TeamRole => TEAM_ROLES.includes(x as TeamRole);

export interface TeamUser {
  id: number;
  name: string;
  role: TeamRole;
}

const USER = 'id::float8 AS id, name, role';

export const teamUserRepository = {
  /** Adds an account; undefined when the name is taken. */
  async add(c: TeamClient, u: { name: string; role: TeamRole; passwordHash: string; now: number }) {
    const r = await c.query<TeamUser>(
      `INSERT INTO team_users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING RETURNING ${USER}`,
      [u.name, u.role, u.passwordHash, u.now],
    );
    return r.rows[0] as TeamUser | undefined;
  },

  async byName(c: TeamClient, name: string): Promise<(TeamUser & { passwordHash: string }) | undefined> {
    const r = await c.query(`SELECT ${USER}, password_hash AS "passwordHash" FROM team_users WHERE name = $1`, [name]);
    return r.rows[0];
  },

  async openSession(c: TeamClient, s: { tokenHash: string; userId: number; now: number; expiresAt: number }) {
    await c.query('INSERT INTO team_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      s.tokenHash,
      s.userId,
      s.now,
      s.expiresAt,
    ]);
  },

  /** The user of a live session; undefined for an unknown or expired one. */
  async bySession(c: TeamClient, tokenHash: string, now: number): Promise<TeamUser | undefined> {
    const r = await c.query<TeamUser>(
      `SELECT u.id::float8 AS id, u.name, u.role FROM team_sessions s JOIN team_users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    return r.rows[0];
  },

  async closeSession(c: TeamClient, tokenHash: string): Promise<void> {
    await c.query('DELETE FROM team_sessions WHERE token_hash = $1', [tokenHash]);
  },
};
