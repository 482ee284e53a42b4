import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import type { CocoDataset } from '../../core/coco/cocoTypes.ts';
import { buildCocoExport, type DatasetMeta, type ExportOptions } from '../project/cocoExport.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore } from './teamAnnotationStore.ts';
import { teamImageRepository, type TeamImageRecord } from './teamImageRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import type { TeamClient } from './teamTransaction.ts';
import { teamReadTransaction } from './teamTransaction.ts';

/** What an export is built from: every image (project order), every stored annotation, the dataset fields. */
export interface TeamDatasetRows {
  images: TeamImageRecord[];
  states: Map<number, AnnotationState>;
  meta: Map<string, string>;
}

/** The team_meta rows as the export's dataset fields read them (JSON text under the local project_meta keys). */
export function teamDatasetMeta(meta: Map<string, string>): DatasetMeta {
  return (k) => {
    const v = meta.get(k);
    return v === undefined ? undefined : (JSON.parse(v) as unknown);
  };
}

/** The rows of an export, read through `c` (inside a snapshot when they must agree with other reads). */
export async function teamDatasetRows(c: TeamClient): Promise<TeamDatasetRows> {
  return {
    images: await teamImageRepository.all(c),
    states: await teamAnnotationStore.all(c),
    meta: await teamMetaRepository.all(c),
  };
}

/** The local export's own code (buildCocoExport) on rows of the team database. */
export function buildTeamCoco(rows: TeamDatasetRows, o: ExportOptions): { dataset: CocoDataset; emptyPersons: number } {
  const { images, states, meta } = rows;
  return buildCocoExport(images, states, teamDatasetMeta(meta), o);
}

/**
 * The team project as a COCO keypoints GT file: the local export's own code (buildCocoExport) on the team
 * database's rows, read as one snapshot, so a pushed project exports byte for byte as it did locally (same ids,
 * order, passthrough fields, validation).
 */
export async function exportTeamCoco(
  team: TeamDb,
  o: ExportOptions = {},
): Promise<{ dataset: CocoDataset; emptyPersons: number }> {
  return buildTeamCoco(await teamReadTransaction(team.pool, teamDatasetRows), o);
}
