import { existsSync } from 'node:fs';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { readUtf8FileSync } from '../fs/readTextFile.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../../core/coco/cocoTypes.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { parseCocoGt } from '../../core/coco/cocoJson.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { IMPORT_LABEL } from './annotationStore.ts';
import { cocoImageIds } from './cocoExchange.ts';
import type { ImageRecord } from '../db/imageRepository.ts';
import { type ImportTarget, localImportTarget } from './importTarget.ts';
import { imageExportProblems, personChanges, type KeptPerson } from './cocoImportPersons.ts';
import { idCollisions, updateDatasetFields } from './cocoImportChecks.ts';
import {
  type FileFacts,
  fileFacts,
  measureRecordedSizes,
  newImageFacts,
  type PictureSize,
  recordSizeProblem,
  resolveImage,
} from './importedFiles.ts';

export { type FileFacts, newImageFacts } from './importedFiles.ts';

/** What an import changed; a file imported again unchanged changes nothing (every count but `imagesUnchanged` 0). */
export interface ImportChanges {
  imagesAdded: number;
  imagesUpdated: number;
  imagesUnchanged: number;
  personsAdded: number;
  personsUpdated: number;
  personsRemoved: number;
  /** info, licenses, categories or other top-level fields differ from what the project exports. */
  datasetUpdated: boolean;
  /** Persons the file would change or remove that the project changed since their import, or made: left as they are. */
  personsKept: number;
}

export interface ImportResult {
  /** Images and persons in the file. */
  images: number;
  persons: number;
  missingFiles: string[];
  changes: ImportChanges;
  /** Which persons were kept (see ImportChanges.personsKept), by image file. */
  kept: { fileName: string; personId: string; why: KeptPerson['why'] }[];
  /** Accepted images whose ground truth the import changed: back to in_progress, to be reviewed again. */
  reopened: string[];
}

/**
 * Imports a COCO keypoints GT file whose `file_name`s are relative to `root` (the project folder) for review.
 * Everything the app does not model (ids, licenses, urls, boxes, masks, extra fields, info, categories) is kept, so
 * that exporting gives the same file back. Images whose files are missing are imported, marked missing and listed.
 * Importing is idempotent: a person whose annotation the project already exports as the file has it is left as it
 * is (with its provenance), so the same file — or the project's own export — imported again changes nothing; a
 * changed file changes what differs, per image one undoable edit ("import COCO"), and `changes` says what. A
 * re-import never undoes work done in the project: a person edited since its last import, or made in the project,
 * is kept as it is and listed (`kept`); an accepted image whose persons the import changes goes back to
 * in_progress (`reopened`): its acceptance was of other ground truth. One
 * IMMEDIATE transaction, refused whole when the result could not be exported (ids other images export under, an
 * image whose persons would not validate, categories other images' persons do not fit). The files of images new to
 * the project are hashed before it, so the write lock is never held while files are read.
 */
export async function importCoco(
  db: ProjectDb,
  cocoFile: string,
  root: string,
  now = Date.now(),
): Promise<ImportResult> {
  const file = readCocoFile(cocoFile);
  const target = localImportTarget(db);
  const files = new ProjectFiles(root);
  const facts = newImageFacts(target.images, files, file.coco.images);
  const sizes = await measureRecordedSizes(target.images, files, file.coco.images);
  return writeTransaction(db, `the import of ${cocoFile}`, () => importInto(target, file, files, facts, now, sizes));
}

/** A COCO GT file read and validated (CocoFormatError naming the file when it cannot be), as an import reads it. */
export type CocoFile = { what: string; coco: CocoDataset };

export function readCocoFile(cocoFile: string): CocoFile {
  const what = `COCO file ${cocoFile}`;
  let text: string;
  try {
    text = readUtf8FileSync(cocoFile);
  } catch (e) {
    throw new CocoFormatError(what, [{ path: '$', message: (e as Error).message, severity: 'error' }]);
  }
  return { what, coco: parseCocoGt(text, what) };
}

/**
 * The import itself (importCoco's rules) on any store's target, inside that store's write transaction: refused
 * whole (CocoFormatError) when ids collide or the result would not export; `facts` the new images' files, read
 * before the transaction (newImageFacts).
 */
export function importInto(
  target: ImportTarget,
  { coco, what }: CocoFile,
  files: ProjectFiles,
  facts: Map<string, FileFacts>,
  now: number,
  sizes: Map<string, PictureSize> = new Map(),
): ImportResult {
  const byImage = new Map<number, { a: CocoAnnotation; order: number }[]>();
  coco.annotations.forEach((a, order) => {
    const l = byImage.get(a.image_id);
    if (l) l.push({ a, order });
    else byImage.set(a.image_id, [{ a, order }]);
  });
  const { taken, othersHavePersons } = idCollisions(target, coco);
  if (taken.length) throw new CocoFormatError(`${what} (nothing was imported)`, taken);
  const run = new ImageImport(target, coco, what, files, facts, now, sizes);
  for (const [order, im] of coco.images.entries()) run.image(im, order, byImage.get(im.id) ?? []);
  return run.finish(othersHavePersons);
}

/** One import's writes, image by image, inside its transaction; `result` says what changed. */
class ImageImport {
  readonly result: ImportResult;
  private readonly target: ImportTarget;
  private readonly coco: CocoDataset;
  private readonly what: string;
  private readonly files: ProjectFiles;
  private readonly facts: Map<string, FileFacts>;
  private readonly now: number;
  /** The files' picture sizes a record must match (measureRecordedSizes). */
  private readonly sizes: Map<string, PictureSize>;
  private readonly store: ImportTarget['annotations'];
  private readonly images: ImportTarget['images'];
  private readonly derivedIds: Map<number, number>;
  /** Scanned images the file describes exactly as the export does: pinned to their ids only if anything changes. */
  private readonly pinLater: [number, string, number][] = [];

  constructor(
    target: ImportTarget,
    coco: CocoDataset,
    what: string,
    files: ProjectFiles,
    facts: Map<string, FileFacts>,
    now: number,
    sizes: Map<string, PictureSize>,
  ) {
    this.target = target;
    this.sizes = sizes;
    this.coco = coco;
    this.what = what;
    this.files = files;
    this.facts = facts;
    this.now = now;
    this.store = target.annotations;
    this.images = target.images;
    this.derivedIds = cocoImageIds(this.images.all());
    const none = { imagesAdded: 0, imagesUpdated: 0, imagesUnchanged: 0, personsAdded: 0, personsUpdated: 0 };
    this.result = {
      images: coco.images.length,
      persons: coco.annotations.length,
      missingFiles: [],
      changes: { ...none, personsRemoved: 0, datasetUpdated: updateDatasetFields(target, coco), personsKept: 0 },
      kept: [],
      reopened: [],
    };
  }

  image(im: CocoImage, order: number, anns: { a: CocoAnnotation; order: number }[]): void {
    const c = this.result.changes;
    const { row, isNew, recordChanged } = this.record(im, order);
    const before = this.store.state(row.id);
    const { diff, added, updated, removed, kept } = personChanges(
      before,
      anns,
      im.id,
      isNew ? new Map() : this.store.importedPersons(row.id),
    );
    for (const k of kept) this.result.kept.push({ fileName: im.file_name, ...k });
    c.personsKept += kept.length;
    let after = before;
    try {
      after = this.store.apply(row.id, diff, IMPORT_LABEL, this.now);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.refuse(order, e.message);
    }
    const personsChanged = added + updated + removed > 0;
    // An import never leaves an image the export would refuse (checked per image; ids across images before). A new
    // image holds just the file's persons, which the file's validation checked against this record already.
    if (!isNew && (recordChanged || personsChanged || c.datasetUpdated)) {
      const problems = imageExportProblems(im, after, this.coco.categories);
      if (problems.length)
        this.refuse(order, `it would not export: ${problems.map((v) => `${v.path}: ${v.message}`).join('; ')}`);
    }
    if (personsChanged && row.status === 'accepted') {
      this.images.setStatus(row.id, 'in_progress', 'accepted');
      this.result.reopened.push(im.file_name);
    }
    c.personsAdded += added;
    c.personsUpdated += updated;
    c.personsRemoved += removed;
    if (isNew) c.imagesAdded++;
    else if (recordChanged || personsChanged) c.imagesUpdated++;
    else c.imagesUnchanged++;
  }

  /** The image's row, made or brought up to the file's record. */
  private record(im: CocoImage, order: number): { row: ImageRecord; isNew: boolean; recordChanged: boolean } {
    const wrongSize = recordSizeProblem(im, this.sizes.get(im.file_name));
    if (wrongSize) this.refuse(order, wrongSize);
    const present = existsSync(resolveImage(this.files, im.file_name));
    if (!present) this.result.missingFiles.push(im.file_name);
    const known = this.images.byPath(im.file_name);
    if (!known) {
      const read = this.facts.get(im.file_name);
      const f = read && read.missing === !present ? read : fileFacts(this.files, im.file_name);
      const id = this.images.insert({
        relPath: im.file_name,
        contentHash: f.contentHash,
        byteSize: f.byteSize,
        width: im.width,
        height: im.height,
        mtimeMs: f.mtimeMs,
        missing: f.missing,
        addedAt: this.now,
        cocoJson: JSON.stringify(im),
        sortKey: order,
      });
      return { row: this.images.get(id)!, isNew: true, recordChanged: false };
    }
    if (known.cocoJson === null && jsonEqual(im, exportedRecord(known, im.file_name, this.derivedIds))) {
      this.pinLater.push([known.id, JSON.stringify(im), order]);
      return { row: known, isNew: false, recordChanged: false };
    }
    const same = known.cocoJson !== null && jsonEqual(JSON.parse(known.cocoJson), im) && known.sortKey === order;
    if (!same) this.images.setCocoRecord(known.id, JSON.stringify(im), order);
    return { row: known, isNew: false, recordChanged: !same };
  }

  private refuse(order: number, message: string): never {
    throw new CocoFormatError(`${this.what} (nothing was imported)`, [
      { path: `images[${order}]`, message: `${this.coco.images[order].file_name}: ${message}`, severity: 'error' },
    ]);
  }

  finish(othersHavePersons: boolean): ImportResult {
    const c = this.result.changes;
    const changed = c.imagesAdded + c.imagesUpdated + c.personsAdded + c.personsUpdated + c.personsRemoved > 0;
    if (!changed && !c.datasetUpdated) return this.result;
    for (const [id, cocoJson, order] of this.pinLater) this.images.setCocoRecord(id, cocoJson, order);
    // New categories may not hold what persons of other images refer to: then the whole export (of every image,
    // whatever its status) is checked.
    if (c.datasetUpdated && othersHavePersons) {
      try {
        this.target.checkExport();
      } catch (e) {
        if (!(e instanceof CocoFormatError)) throw e;
        throw new CocoFormatError(
          `${this.what} would leave the project's export invalid (nothing was imported)`,
          e.violations,
        );
      }
    }
    return this.result;
  }
}

/** The image record the export writes for a scanned image (no record of its own). */
function exportedRecord(row: ImageRecord, fileName: string, ids: Map<number, number>): CocoImage {
  return { id: ids.get(row.id)!, file_name: fileName, width: row.width, height: row.height };
}
