import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository, type ImageRecord, type ImageStatus, type NewImage } from '../db/imageRepository.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import type { AnnotationState, PersonRecord } from '../../core/edit/poseRecords.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import { annotationStore } from './annotationStore.ts';
import { exportCoco } from './cocoExchange.ts';

/**
 * What a COCO import reads and writes, whatever store holds the project (cocoImport.ts runs on it, synchronously,
 * inside the store's write transaction): the images, the annotations with the persons as their latest import left
 * them, the dataset-level fields, and the whole export's check. The local project's is its repositories
 * (localImportTarget); the team project's a draft of its rows that is then written to PostgreSQL (team/teamImport).
 */
export interface ImportTarget {
  images: {
    byPath(relPath: string): ImageRecord | undefined;
    get(id: number): ImageRecord | undefined;
    /** Every image in project order. */
    all(): ImageRecord[];
    insert(im: NewImage & { width: number; height: number; cocoJson: string; sortKey: number }): number;
    setCocoRecord(id: number, cocoJson: string, sortKey: number): void;
    setStatus(id: number, status: ImageStatus, ifStatus: ImageStatus): void;
  };
  annotations: {
    /** The image's annotation (none stored: empty). */
    state(imageId: number): AnnotationState;
    /** Its stored annotation; undefined when it has none. */
    stored(imageId: number): AnnotationState | undefined;
    /** Each person as the latest import that touched it left it (null: removed), see AnnotationStore. */
    importedPersons(imageId: number): Map<string, PersonRecord | null>;
    /** Applies an import's diff as one edit (checked as any edit is; ApiError when refused); the new state. */
    apply(imageId: number, diff: RecordDiff, label: string, now: number): AnnotationState;
  };
  meta: { json(key: string): unknown; setJson(key: string, value: unknown): void };
  /** Throws the validator's CocoFormatError when the whole project's export (every image) would be refused. */
  checkExport(): void;
}

/** The local project's import target: its repositories, inside the import's IMMEDIATE transaction. */
export function localImportTarget(db: ProjectDb): ImportTarget {
  const images = imageRepository(db);
  const store = annotationStore(db);
  const meta = projectMetaRepository(db);
  return {
    images: {
      byPath: (p) => images.byPath(p),
      get: (id) => images.get(id),
      all: () => images.all(),
      insert: (im) => images.insert(im),
      setCocoRecord: (id, json, order) => images.setCocoRecord(id, json, order),
      setStatus: (id, status, ifStatus) => void images.setStatus(id, status, ifStatus),
    },
    annotations: {
      state: (id) => store.load(id).state,
      stored: (id) => store.stored(id),
      importedPersons: (id) => store.importedPersons(id),
      apply: (id, diff, label, now) => store.apply(id, diff, label, { imported: true, now }).state,
    },
    meta: { json: (k) => meta.json(k), setJson: (k, v) => meta.setJson(k, v) },
    checkExport: () => void exportCoco(db, { all: true }),
  };
}
