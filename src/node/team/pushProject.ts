import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import { readTransaction } from '../db/writeTransaction.ts';
import { annotationStore } from '../project/annotationStore.ts';
import { DATASET_META_KEYS } from '../project/cocoExport.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore } from './teamAnnotationStore.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { teamWriteTransaction } from './teamTransaction.ts';

/** The team_meta key of the project's name (the local folder's name at the push). */
export const TEAM_NAME_KEY = 'name';

export interface PushResult {
  images: number;
  annotations: number;
}

/**
 * Copies a local project into an empty team database, as one transaction (a push that fails leaves the team
 * database empty): every image record (project-relative path, content hash, size, status, imported COCO record and
 * file order, review note), each image's current annotation with its revision, and the dataset-level fields an
 * import brought. The images themselves stay where they are: every machine reads them from the shared folder by
 * their relative paths and checks them by content hash. What the local project read is one snapshot.
 */
export async function pushProject(local: ProjectDb, team: TeamDb, name: string): Promise<PushResult> {
  const snapshot = readTransaction(local, () => {
    const images = imageRepository(local).all();
    const states = images.map((r) => ({
      id: r.id,
      ...annotationStore(local).load(r.id),
      stored: annotationStore(local).stored(r.id),
    }));
    const meta = DATASET_META_KEYS.map((k) => [k, projectMetaRepository(local).json(k)] as const).filter(
      ([, v]) => v !== undefined,
    );
    return { images, states, meta };
  });
  return teamWriteTransaction(team.pool, 'the push', async (c) => {
    await teamImageRepository.lockForPush(c); // two pushes at once: the second sees the first's rows
    const already = await teamImageRepository.count(c);
    if (already > 0)
      throw new ApiError(
        'conflict',
        `the team database already holds a project (${already} images): push into an empty database`,
      );
    const ids = await teamImageRepository.insertMany(c, snapshot.images, Date.now());
    const teamId = new Map(snapshot.images.map((r, i) => [r.id, ids[i]]));
    const annotations = snapshot.states
      .filter((s) => s.stored !== undefined)
      .map((s) => ({ imageId: teamId.get(s.id)!, state: s.state, revision: s.revision }));
    await teamAnnotationStore.insertMany(c, annotations, Date.now());
    for (const [k, v] of snapshot.meta) await teamMetaRepository.set(c, k, JSON.stringify(v));
    await teamMetaRepository.set(c, TEAM_NAME_KEY, name);
    return { images: ids.length, annotations: annotations.length };
  });
}
