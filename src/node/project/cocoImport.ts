import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { readUtf8FileSync } from '../fs/readTextFile.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../../core/coco/cocoTypes.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { parseCocoGt } from '../../core/coco/cocoJson.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { AnnotationStore } from './annotationStore.ts';
import { cocoImageIds, exportCoco } from './cocoExchange.ts';
import { imageExportProblems, personChanges } from './cocoImportPersons.ts';
import { idCollisions, updateDatasetFields } from './cocoImportChecks.ts';

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
}

export interface ImportResult {
  /** Images and persons in the file. */
  images: number;
  persons: number;
  missingFiles: string[];
  changes: ImportChanges;
}

/**
 * Imports a COCO keypoints GT file whose `file_name`s are relative to `root` (the project folder) for review.
 * Everything the app does not model (ids, licenses, urls, boxes, masks, extra fields, info, categories) is kept, so
 * that exporting gives the same file back. Images whose files are missing are imported, marked missing and listed.
 * Importing is idempotent: a person whose annotation the project already exports as the file has it is left as it
 * is (with its provenance), so the same file — or the project's own export — imported again changes nothing; a
 * changed file changes what differs, per image one undoable edit ("import COCO"), and `changes` says what. One
 * IMMEDIATE transaction, refused whole when the result could not be exported (ids other images export under, an
 * image whose persons would not validate, categories other images' persons do not fit).
 */
export function importCoco(db: ProjectDb, cocoFile: string, root: string, now = Date.now()): ImportResult {
  const what = `COCO file ${cocoFile}`;
  let text: string;
  try {
    text = readUtf8FileSync(cocoFile);
  } catch (e) {
    throw new CocoFormatError(what, [{ path: '$', message: (e as Error).message, severity: 'error' }]);
  }
  const coco = parseCocoGt(text, what);
  const byImage = new Map<number, { a: CocoAnnotation; order: number }[]>();
  coco.annotations.forEach((a, order) => {
    const l = byImage.get(a.image_id);
    if (l) l.push({ a, order });
    else byImage.set(a.image_id, [{ a, order }]);
  });
  return writeTransaction(db, `the import of ${cocoFile}`, () => {
    const { taken, othersHavePersons } = idCollisions(db, coco);
    if (taken.length) throw new CocoFormatError(`${what} (nothing was imported)`, taken);
    const run = new ImageImport(db, coco, what, root, now);
    coco.images.forEach((im, order) => run.image(im, order, byImage.get(im.id) ?? []));
    return run.finish(othersHavePersons);
  });
}

/** One import's writes, image by image, inside its transaction; `result` says what changed. */
class ImageImport {
  readonly result: ImportResult;
  private readonly db: ProjectDb;
  private readonly coco: CocoDataset;
  private readonly what: string;
  private readonly files: ProjectFiles;
  private readonly now: number;
  private readonly store: AnnotationStore;
  private readonly derivedIds: Map<number, number>;
  private readonly q;
  /** Scanned images the file describes exactly as the export does: pinned to their ids only if anything changes. */
  private readonly pinLater: [string, number, number][] = [];

  constructor(db: ProjectDb, coco: CocoDataset, what: string, root: string, now: number) {
    this.db = db;
    this.coco = coco;
    this.what = what;
    this.files = new ProjectFiles(root);
    this.now = now;
    this.store = new AnnotationStore(db);
    this.derivedIds = cocoImageIds(db);
    this.q = {
      find: db.prepare('SELECT id, width, height, coco_json, sort_key FROM images WHERE rel_path = ?'),
      setRecord: db.prepare('UPDATE images SET coco_json = ?, sort_key = ? WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, missing, added_at, coco_json, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    const none = { imagesAdded: 0, imagesUpdated: 0, imagesUnchanged: 0, personsAdded: 0, personsUpdated: 0 };
    this.result = {
      images: coco.images.length,
      persons: coco.annotations.length,
      missingFiles: [],
      changes: { ...none, personsRemoved: 0, datasetUpdated: updateDatasetFields(db, coco) },
    };
  }

  image(im: CocoImage, order: number, anns: { a: CocoAnnotation; order: number }[]): void {
    const c = this.result.changes;
    const { row, isNew, recordChanged } = this.record(im, order);
    const before = this.store.load(row.id).state;
    const { diff, added, updated, removed } = personChanges(before, anns, im.id);
    let after = before;
    try {
      after = this.store.apply(row.id, diff, 'import COCO', { imported: true, now: this.now }).state;
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
    c.personsAdded += added;
    c.personsUpdated += updated;
    c.personsRemoved += removed;
    if (isNew) c.imagesAdded++;
    else if (recordChanged || personsChanged) c.imagesUpdated++;
    else c.imagesUnchanged++;
  }

  /** The image's row, made or brought up to the file's record. */
  private record(im: CocoImage, order: number): { row: ImageRow; isNew: boolean; recordChanged: boolean } {
    const abs = resolveImage(this.files, im.file_name);
    const present = existsSync(abs);
    if (!present) this.result.missingFiles.push(im.file_name);
    const row = this.q.find.get(im.file_name) as ImageRow | undefined;
    if (!row) {
      const f = fileFacts(abs, present);
      const args = [f.hash, f.size, im.width, im.height, f.mtimeMs, present ? 0 : 1, this.now, JSON.stringify(im)];
      this.q.insert.run(im.file_name, ...args, order);
      return { row: this.q.find.get(im.file_name) as ImageRow, isNew: true, recordChanged: false };
    }
    if (row.coco_json === null && jsonEqual(im, exportedRecord(row, im.file_name, this.derivedIds))) {
      this.pinLater.push([JSON.stringify(im), order, row.id]);
      return { row, isNew: false, recordChanged: false };
    }
    const same = row.coco_json !== null && jsonEqual(JSON.parse(row.coco_json), im) && row.sort_key === order;
    if (!same) this.q.setRecord.run(JSON.stringify(im), order, row.id);
    return { row, isNew: false, recordChanged: !same };
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
    for (const args of this.pinLater) this.q.setRecord.run(...args);
    // New categories may not hold what persons of other images refer to: then the whole export is checked.
    if (c.datasetUpdated && othersHavePersons) {
      try {
        exportCoco(this.db);
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

interface ImageRow {
  id: number;
  width: number;
  height: number;
  coco_json: string | null;
  sort_key: number | null;
}

/** An image's real path inside the project folder (a missing file: its lexical path); refused when it leads out. */
function resolveImage(files: ProjectFiles, fileName: string): string {
  try {
    return files.resolve(fileName);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not_found') return path.join(files.root, fileName);
    throw e;
  }
}

function fileFacts(abs: string, present: boolean): { hash: string; size: number; mtimeMs: number } {
  if (!present) return { hash: '', size: 0, mtimeMs: 0 };
  const st = statSync(abs);
  return {
    hash: createHash('sha256').update(readFileSync(abs)).digest('hex'),
    size: st.size,
    mtimeMs: Math.floor(st.mtimeMs),
  };
}

/** The image record the export writes for a scanned image (no record of its own). */
function exportedRecord(row: ImageRow, fileName: string, ids: Map<number, number>): CocoImage {
  return { id: ids.get(row.id)!, file_name: fileName, width: row.width, height: row.height };
}
