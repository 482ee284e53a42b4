import type { ProjectDb } from '../db/openProjectDb.ts';
import type { CocoDataset, CocoKeypointResult } from '../../core/coco/cocoTypes.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import { annotationStore } from './annotationStore.ts';
import { readTransaction } from '../db/writeTransaction.ts';
import { buildCocoExport, datasetFieldsOf, type ExportOptions, inExportScope } from './cocoExport.ts';
import { buildCocoResults } from './cocoResults.ts';
import { changedImageFiles } from './changedImageFiles.ts';
import type { ImageRecord } from '../db/imageRepository.ts';

export {
  annotationOf,
  cocoImageIds,
  DATASET_META_KEYS,
  type ExportOptions,
  exportScopeProblem,
  inExportScope,
  type LeftOutImage,
  REVIEW_STATUS_FIELD,
} from './cocoExport.ts';

/**
 * The project as a COCO keypoints GT file: imported records come back as they were (ids, fields, order), edited
 * persons carry their new keypoints, new images and persons get fresh ids ≥ 1, images reviewed as containing nobody
 * stay in `images`; the images of ExportOptions. A person with no labelled joint and no box of its own is never
 * written (`exportCocoCounted` counts them). Images with a review note (an annotation of another size, after the
 * file was replaced) are left out and listed in `o.leftOut`. The result passes the validator.
 */
export function exportCoco(db: ProjectDb, o: ExportOptions = {}): CocoDataset {
  return exportCocoCounted(db, o).dataset;
}

/** exportCoco, and how many empty persons it left out: one snapshot of images and annotations (buildCocoExport). */
export function exportCocoCounted(
  db: ProjectDb,
  o: ExportOptions = {},
): { dataset: CocoDataset; emptyPersons: number } {
  const stored = projectMetaRepository(db);
  return readTransaction(db, () =>
    buildCocoExport(
      checkedRows(db, imageRepository(db).all(), o),
      annotationStore(db).allStored(),
      (k) => stored.json(k),
      o,
    ),
  );
}

/**
 * The image rows with a review note (so the export leaves them out, naming them) on those of the export whose file
 * changed on disk since the project read it (changedImageFiles): their size and annotation are the old picture's.
 */
function checkedRows(db: ProjectDb, all: ImageRecord[], o: ExportOptions): ImageRecord[] {
  const root = projectMetaRepository(db).root();
  if (root === undefined) return all;
  const changed = changedImageFiles(
    root,
    all.filter((r) => r.reviewNote === null && inExportScope(r, o)),
  );
  return changed.size ? all.map((r) => (changed.has(r.id) ? { ...r, reviewNote: changed.get(r.id)! } : r)) : all;
}

/** The top-level fields of the project's export: what an import brought (or defaults), `derivedArea` said in info. */
export function datasetFields(
  db: ProjectDb,
  derivedArea: boolean,
): Pick<CocoDataset, 'info' | 'licenses' | 'categories'> & Record<string, unknown> {
  const stored = projectMetaRepository(db);
  return datasetFieldsOf((k) => stored.json(k), derivedArea);
}

/**
 * The model's predictions of one run as a COCO results file (flat list; image ids as in exportCoco), on the images
 * of ExportOptions — the images of the GT export with the same options, so that the pair evaluates (default: every
 * image). Scores are the decoder's own (the person score 1 − 1/total), never rescaled.
 */
export function exportResults(db: ProjectDb, runId: number, o: ExportOptions = { all: true }): CocoKeypointResult[] {
  const [all, predicted] = readTransaction(
    db,
    () => [checkedRows(db, imageRepository(db).all(), o), runRepository(db).predictionsOf(runId)] as const,
  );
  return buildCocoResults(all, predicted, o);
}
