// The team worker infers the next image of its batch while it stores this one's prediction and maps (as local
// detection runs ahead of its store), on a real PostgreSQL with the real inference engine (the tiny IMHN test
// model): before, each image's inference began only once the previous image's store had committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { engineInferer } from '../../src/node/team/teamWorker.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';
import { queueTeamRun, workUntilIdle } from './workerProcesses.ts';

const pg = teamClusterPerFile();
const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');

describe.skipIf(PG_MISSING)('a team worker runs ahead of its store', () => {
  let project: OpenProject;
  let team: TeamDb;
  beforeAll(async () => {
    if (PG_MISSING) return;
    project = await photoProject(5, 96, 64);
    team = await pg.fresh();
    await pushProject(project.db, team, 'photos');
  }, 120_000);
  afterAll(async () => {
    await project?.close();
  });

  it("each image after the first is sent to the model before the previous one's row is stored", async () => {
    const runId = await queueTeamRun(team, {
      modelPath: MODEL,
      settings: { scales: [1], flip: true, mode: 'fast' },
      batchSize: 5,
    });
    const started = new Map<number, number>();
    const r = await workUntilIdle(team, project.root, {
      // the real engine, with the time each image is handed to it
      inferer: async (file) => {
        const engine = await engineInferer(file);
        return {
          ...engine,
          infer: (f, imageId, settings) => {
            started.set(imageId, Date.now());
            return engine.infer(f, imageId, settings);
          },
        };
      },
    });
    expect(r).toMatchObject({ stored: 5, failed: 0 });
    const rows = (
      await team.pool.query(
        'SELECT image_id::float8 AS id, created_at::float8 AS at FROM team_predictions WHERE run_id = $1 ORDER BY created_at',
        [runId],
      )
    ).rows as { id: number; at: number }[];
    expect(rows).toHaveLength(5);
    for (let k = 1; k < rows.length; k++) expect(started.get(rows[k].id)).toBeLessThanOrEqual(rows[k - 1].at);
  }, 120_000);
});
