// A project of real COCO photos whose predictions and cached maps are those of the decode fixture cases
// (../shared/fixtures/decode: maps of a simulated network over the photo's ground truth, clear peaks where the
// persons are): what the heatmap-assisted corrections need to be tested on known answers under Node and in
// Chromium, without a model that works on photos. The run and the maps are written the way detection writes them
// (a finished run, the map cache entry under the run's key), so the service and the app read them as usual.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeFast } from '../../src/core/codec/decodeFast.ts';
import { toPoses, type Pose } from '../../src/core/codec/assign/toPoses.ts';
import { imageRepository } from '../../src/node/db/imageRepository.ts';
import { runRepository } from '../../src/node/db/runRepository.ts';
import { MapCache, mapCacheKey, projectCacheDir } from '../../src/node/project/mapCache.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { syncImages } from '../../src/node/project/syncImages.ts';
import { readFixtureCase } from './correctionCases.ts';
import { COCO_TRAIN_IMAGES } from './fixturePaths.ts';
import { insertRun } from './predictions.ts';

export const FIXTURE_MODEL_HASH = 'fixture-maps';

/** The photo of a decode fixture case in coco-mini train. */
export const fixturePhoto = (caseId: string) => path.join(COCO_TRAIN_IMAGES, `${caseId.padStart(12, '0')}.jpg`);

/** The project (photos `000000<id>.jpg` in file order = `caseIds` order), the fixture's decoded poses per image. */
export async function fixtureMapsProject(
  caseIds: readonly string[],
): Promise<{ project: OpenProject; poses: Map<number, Pose[]> }> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-fixture-maps-'));
  mkdirSync(path.join(root, 'photos'));
  for (const id of caseIds) copyFileSync(fixturePhoto(id), path.join(root, 'photos', path.basename(fixturePhoto(id))));
  const project = await openProjectFolder(root);
  return { project, poses: await writeFixtureMaps(project, caseIds) };
}

/**
 * Adds the cases' photos to an open project (copied into `photos/`, scanned) with their fixture run and maps: how a
 * project detected with the bundled model gets photos whose predictions are the fixture's (see writeFixtureMaps).
 */
export async function addFixtureCases(project: OpenProject, caseIds: readonly string[]): Promise<Map<number, Pose[]>> {
  mkdirSync(path.join(project.root, 'photos'), { recursive: true });
  for (const id of caseIds)
    copyFileSync(fixturePhoto(id), path.join(project.root, 'photos', path.basename(fixturePhoto(id))));
  await syncImages(project.db, project.root);
  return writeFixtureMaps(project, caseIds);
}

/**
 * Writes the cases' decoded persons (one finished run) and their maps into a project holding their photos. A photo
 * another run has predicted is refused: the app shows the run of the project's model and settings first (issue 12B),
 * so after a detection with the bundled model it would show that model's persons and maps, not the fixture's.
 */
export async function writeFixtureMaps(project: OpenProject, caseIds: readonly string[]): Promise<Map<number, Pose[]>> {
  const rows = imageRepository(project.db).present();
  const poses = new Map<number, Pose[]>();
  const cache = new MapCache(project.db, projectCacheDir(project.root));
  for (const id of caseIds) {
    const row = rows.find((r) => path.basename(r.relPath) === path.basename(fixturePhoto(id)));
    if (!row) throw new Error(`the project has no photo of case ${id}`);
    if (runRepository(project.db).latestPrediction(row.id))
      throw new Error(`the photo of case ${id} has another run's prediction: the app would show that one`);
    const input = await readFixtureCase(id);
    const out = decodeFast(input);
    poses.set(row.id, toPoses(out.persons, out.peaks.flat()));
    // Under the key of insertRun's settings (scale 1 + flip); the entry's own multipliers place the maps.
    await cache.put(mapCacheKey(row.contentHash, { modelHash: FIXTURE_MODEL_HASH, scales: [1], flip: true }), input);
  }
  insertRun(project.db, poses, FIXTURE_MODEL_HASH);
  return poses;
}
