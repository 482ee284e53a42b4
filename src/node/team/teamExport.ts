import type { CocoDataset } from '../../core/coco/cocoTypes.ts';
import { buildCocoExport, type ExportOptions } from '../project/cocoExport.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore } from './teamAnnotationStore.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { teamReadTransaction } from './teamTransaction.ts';

/**
 * The team project as a COCO keypoints GT file: the local export's own code (buildCocoExport) on the team
 * database's rows, read as one snapshot, so a pushed project exports byte for byte as it did locally (same ids,
 * order, passthrough fields, validation).
 */
export async function exportTeamCoco(
  team: TeamDb,
  o: ExportOptions = {},
): Promise<{ dataset: CocoDataset; emptyPersons: number }> {
  const { images, states, meta } = await teamReadTransaction(team.pool, async (c) => ({
    images: await teamImageRepository.all(c),
    states: await teamAnnotationStore.all(c),
    meta: await teamMetaRepository.all(c),
  }));
  return buildCocoExport(
    images,
    states,
    (k) => {
      const v = meta.get(k);
      return v === undefined ? undefined : (JSON.parse(v) as unknown);
    },
    o,
  );
}
