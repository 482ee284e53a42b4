import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { readUtf8FileSync } from '../fs/readTextFile.ts';
import type { CocoAnnotation, CocoImage } from '../../core/coco/cocoTypes.ts';
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
    const result: ImportResult = {
      images: coco.images.length,
      persons: coco.annotations.length,
      missingFiles: [],
      changes: {
        imagesAdded: 0,
        imagesUpdated: 0,
        imagesUnchanged: 0,
        personsAdded: 0,
        personsUpdated: 0,
        personsRemoved: 0,
        datasetUpdated: updateDatasetFields(db, coco),
      },
    };
    const c = result.changes;
    const derivedIds = cocoImageIds(db);
    const store = new AnnotationStore(db);
    const find = db.prepare('SELECT id, width, height, coco_json, sort_key FROM images WHERE rel_path = ?');
    const setRecord = db.prepare('UPDATE images SET coco_json = ?, sort_key = ? WHERE id = ?');
    const insert = db.prepare(
      'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, missing, added_at, coco_json, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const refuse = (order: number, message: string): never => {
      throw new CocoFormatError(`${what} (nothing was imported)`, [
        { path: `images[${order}]`, message: `${coco.images[order].file_name}: ${message}`, severity: 'error' },
      ]);
    };
    /** Scanned images the file describes exactly as the export does: pinned to their ids only if anything changes. */
    const pinLater: [string, number, number][] = [];
    coco.images.forEach((im, order) => {
      const abs = path.join(root, im.file_name);
      const present = existsSync(abs);
      if (!present) result.missingFiles.push(im.file_name);
      let row = find.get(im.file_name) as ImageRow | undefined;
      const isNew = row === undefined;
      let recordChanged = false;
      if (!row) {
        const f = fileFacts(abs, present);
        const args = [f.hash, f.size, im.width, im.height, f.mtimeMs, present ? 0 : 1, now, JSON.stringify(im), order];
        insert.run(im.file_name, ...args);
        row = find.get(im.file_name) as ImageRow;
        c.imagesAdded++;
      } else if (row.coco_json === null && jsonEqual(im, exportedRecord(row, im.file_name, derivedIds))) {
        pinLater.push([JSON.stringify(im), order, row.id]);
      } else if (row.coco_json === null || !jsonEqual(JSON.parse(row.coco_json), im) || row.sort_key !== order) {
        setRecord.run(JSON.stringify(im), order, row.id);
        recordChanged = true;
      }
      const before = store.load(row.id).state;
      const { diff, added, updated, removed } = personChanges(before, byImage.get(im.id) ?? [], im.id);
      let after = before;
      try {
        after = store.apply(row.id, diff, 'import COCO', { imported: true, now }).state;
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        refuse(order, e.message);
      }
      // An import never leaves an image the export would refuse (checked per image; ids across images above). A new
      // image holds just the file's persons, which the file's validation checked against this record already.
      if (!isNew && (recordChanged || added + updated + removed > 0 || c.datasetUpdated)) {
        const problems = imageExportProblems(im, after, coco.categories);
        if (problems.length)
          refuse(order, `it would not export: ${problems.map((v) => `${v.path}: ${v.message}`).join('; ')}`);
      }
      c.personsAdded += added;
      c.personsUpdated += updated;
      c.personsRemoved += removed;
      if (isNew) return;
      if (recordChanged || added + updated + removed > 0) c.imagesUpdated++;
      else c.imagesUnchanged++;
    });
    const changedAnything =
      c.imagesAdded + c.imagesUpdated + c.personsAdded + c.personsUpdated + c.personsRemoved > 0 || c.datasetUpdated;
    if (!changedAnything) return result;
    for (const args of pinLater) setRecord.run(...args);
    // New categories may not hold what persons of other images refer to: then the whole export is checked.
    if (c.datasetUpdated && othersHavePersons) {
      try {
        exportCoco(db);
      } catch (e) {
        if (!(e instanceof CocoFormatError)) throw e;
        throw new CocoFormatError(
          `${what} would leave the project's export invalid (nothing was imported)`,
          e.violations,
        );
      }
    }
    return result;
  });
}

interface ImageRow {
  id: number;
  width: number;
  height: number;
  coco_json: string | null;
  sort_key: number | null;
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
