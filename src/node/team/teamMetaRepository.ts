import type { TeamClient } from './teamTransaction.ts';

// The `team_meta` table: the project's name and the dataset-level fields a COCO import brought (as the local
// project_meta keeps them: JSON text under the same keys).

export const teamMetaRepository = {
  async all(c: TeamClient): Promise<Map<string, string>> {
    const r = await c.query<{ key: string; value: string }>('SELECT key, value FROM team_meta');
    return new Map(r.rows.map((x) => [x.key, x.value]));
  },

  async set(c: TeamClient, key: string, value: string): Promise<void> {
    await c.query(
      'INSERT INTO team_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  },
};
