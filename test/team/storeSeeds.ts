// The same detection run written into either store through its own repository (the local runRepository, the team's
// teamRunRepository): the poses a model gave, per image path, so both stores hold the same data.
import type { Pose } from '../../src/core/codec/assign/toPoses.ts';
import { imageRepository } from '../../src/node/db/imageRepository.ts';
import { modelRepository } from '../../src/node/db/modelRepository.ts';
import type { ProjectDb } from '../../src/node/db/openProjectDb.ts';
import { runRepository } from '../../src/node/db/runRepository.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { teamImageRepository } from '../../src/node/team/teamImageRepository.ts';
import { teamRunRepository } from '../../src/node/team/teamRunRepository.ts';

export type RunSeed = Record<string, Pose[] | { error: string }>;
const SETTINGS = { scales: [1], flip: true, mode: 'fast' as const };

/** A finished local run with these outcomes; returns its id. */
export function seedLocalRun(db: ProjectDb, seed: RunSeed, now = 1_000): number {
  const modelId = modelRepository(db).record(BUNDLED_MODEL_PATH, 'seeded-model', '{}', now);
  const runs = runRepository(db);
  const runId = runs.create({ modelId, provider: null, now, ...SETTINGS });
  for (const [relPath, poses] of Object.entries(seed)) {
    const im = imageRepository(db).byPath(relPath)!;
    if (Array.isArray(poses)) runs.addPrediction(runId, im.id, im.contentHash, poses, now);
  }
  runs.markDone(runId, now);
  return runId;
}

/** A finished team run with these outcomes (a failure stored as the worker stores it); returns its id. */
export async function seedTeamRun(team: TeamDb, seed: RunSeed, now = 1_000): Promise<number> {
  const images = new Map((await teamImageRepository.all(team.pool)).map((im) => [im.relPath, im]));
  const runId = await teamRunRepository.create(team.pool, {
    modelPath: BUNDLED_MODEL_PATH,
    modelHash: 'seeded-model',
    settings: SETTINGS,
    images: Object.keys(seed).length,
    now,
  });
  for (const [relPath, outcome] of Object.entries(seed)) {
    const im = images.get(relPath)!;
    const base = { runId, imageId: im.id, contentHash: im.contentHash, worker: 'seed', now };
    await teamRunRepository.store(
      team.pool,
      Array.isArray(outcome) ? { ...base, poses: outcome } : { ...base, ...outcome },
    );
  }
  await teamRunRepository.completeIfDone(team.pool, runId, now);
  return runId;
}
