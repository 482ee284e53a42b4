import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { readUtf8FileSync } from '../fs/readTextFile.ts';
import type { CocoAnnotation, CocoDataset, CocoImage, CocoViolation } from '../../core/coco/cocoTypes.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { parseCocoGt } from '../../core/coco/cocoJson.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { JOINT_COUNT, type AnnotationState, type JointRecord, type PersonRecord } from '../../core/edit/poseRecords.ts';
import { emptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { AnnotationStore } from './annotationStore.ts';
import { annotationOf, cocoImageIds, exportCoco } from './cocoExchange.ts';

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

const DATASET_KEYS = ['info', 'licenses', 'categories'] as const;

/**
 * Imports a COCO keypoints GT file whose `file_name`s are relative to `root` (the project folder) for review.
 * Everything the app does not model (ids, licenses, urls, boxes, masks, extra fields, info, categories) is kept, so
 * that exporting gives the same file back. Images whose files are missing are imported, marked missing and listed.
 * Importing is idempotent: a person whose annotation the project already exports as the file has it is left as it
 * is (with its provenance), so the same file — or the project's own export — imported again changes nothing; a
 * changed file changes what differs, per image one undoable edit ("import COCO"), and `changes` says what. One
 * IMMEDIATE transaction, refused whole when the result could not be exported (ids taken by other images).
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
    const taken = idCollisions(db, coco);
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
        datasetUpdated: false,
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
        insert.run(
          im.file_name,
          f.hash,
          f.size,
          im.width,
          im.height,
          f.mtimeMs,
          present ? 0 : 1,
          now,
          JSON.stringify(im),
          order,
        );
        row = find.get(im.file_name) as ImageRow;
        c.imagesAdded++;
      } else if (row.coco_json === null && jsonEqual(im, exportedRecord(row, im.file_name, derivedIds))) {
        pinLater.push([JSON.stringify(im), order, row.id]);
      } else if (row.coco_json === null || !jsonEqual(JSON.parse(row.coco_json), im) || row.sort_key !== order) {
        setRecord.run(JSON.stringify(im), order, row.id);
        recordChanged = true;
      }
      const { diff, added, updated, removed } = personChanges(
        store.load(row.id).state,
        byImage.get(im.id) ?? [],
        im.id,
      );
      try {
        store.apply(row.id, diff, 'import COCO', { imported: true, now });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        throw new CocoFormatError(`${what} (nothing was imported)`, [
          { path: `images[${order}]`, message: `${im.file_name}: ${e.message}`, severity: 'error' },
        ]);
      }
      c.personsAdded += added;
      c.personsUpdated += updated;
      c.personsRemoved += removed;
      if (isNew) return;
      if (recordChanged || added + updated + removed > 0) c.imagesUpdated++;
      else c.imagesUnchanged++;
    });
    c.datasetUpdated = updateDatasetFields(db, coco);
    const changedAnything =
      c.imagesAdded + c.imagesUpdated + c.personsAdded + c.personsUpdated + c.personsRemoved > 0 || c.datasetUpdated;
    if (!changedAnything) return result;
    for (const args of pinLater) setRecord.run(...args);
    try {
      exportCoco(db); // the export validates: an import never leaves a project that cannot be exported
    } catch (e) {
      if (!(e instanceof CocoFormatError)) throw e;
      throw new CocoFormatError(
        `${what} would leave the project's export invalid (nothing was imported)`,
        e.violations,
      );
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

export function personFromCoco(a: CocoAnnotation): PersonRecord {
  const { keypoints, num_keypoints: _n, ...rest } = a;
  const joints: (JointRecord | null)[] = [];
  for (let k = 0; k < JOINT_COUNT; k++) {
    const v = keypoints[3 * k + 2];
    joints.push(v > 0 ? { x: keypoints[3 * k], y: keypoints[3 * k + 1], v: v === 1 ? 1 : 2, source: 'human' } : null);
  }
  return { id: `c${a.id}`, joints, crowd: a.iscrowd === 1, coco: rest };
}

/**
 * The diff that makes an image's persons those of the file. A person is left as it is when the project already
 * exports it as the file's annotation: the one imported with that id, or — for a person made in the app, which the
 * export gave a fresh id — one whose exported annotation is the file's except for nothing at all.
 */
function personChanges(
  state: AnnotationState,
  anns: { a: CocoAnnotation; order: number }[],
  imageId: number,
): { diff: RecordDiff; added: number; updated: number; removed: number } {
  const d = emptyDiff();
  const kept = new Set<string>();
  for (const { a, order } of anns) {
    const incoming: PersonRecord = { ...personFromCoco(a), cocoOrder: order };
    const exportsAs = (p: PersonRecord) => jsonEqual(annotationOf(p, imageId, a.id).ann, a);
    const same = state.persons[incoming.id];
    if (same) {
      if (exportsAs(same)) kept.add(same.id);
      else d.updated[same.id] = [same, incoming];
      continue;
    }
    const twin = state.order.find(
      (id) => !kept.has(id) && typeof state.persons[id].coco?.id !== 'number' && exportsAs(state.persons[id]),
    );
    if (twin !== undefined) kept.add(twin);
    else d.added[incoming.id] = incoming;
  }
  for (const id of state.order) if (!kept.has(id) && !(id in d.updated)) d.removed[id] = state.persons[id];
  return {
    diff: d,
    added: Object.keys(d.added).length,
    updated: Object.keys(d.updated).length,
    removed: Object.keys(d.removed).length,
  };
}

/** Image and annotation ids of the file that other images of the project already export under. */
function idCollisions(db: ProjectDb, coco: CocoDataset): CocoViolation[] {
  const inFile = new Set(coco.images.map((im) => im.file_name));
  const imageIds = new Map<number, string>(),
    annIds = new Map<number, string>();
  const rows = db
    .prepare(
      'SELECT i.rel_path, i.coco_json, a.persons_json FROM images i LEFT JOIN annotations a ON a.image_id = i.id',
    )
    .all() as { rel_path: string; coco_json: string | null; persons_json: string | null }[];
  for (const r of rows) {
    if (inFile.has(r.rel_path)) continue;
    if (r.coco_json) imageIds.set((JSON.parse(r.coco_json) as CocoImage).id, r.rel_path);
    if (r.persons_json)
      for (const p of Object.values((JSON.parse(r.persons_json) as AnnotationState).persons))
        if (typeof p.coco?.id === 'number') annIds.set(p.coco.id, r.rel_path);
  }
  const out: CocoViolation[] = [];
  coco.images.forEach((im, i) => {
    const other = imageIds.get(im.id);
    if (other !== undefined)
      out.push({
        path: `images[${i}].id`,
        message: `${im.id} is already the id of ${other} in this project`,
        severity: 'error',
      });
  });
  coco.annotations.forEach((a, i) => {
    const other = annIds.get(a.id);
    if (other !== undefined)
      out.push({
        path: `annotations[${i}].id`,
        message: `${a.id} is already the id of a person of ${other} in this project`,
        severity: 'error',
      });
  });
  return out;
}

/** Stores the file's top-level fields unless the project already exports exactly those; true when it stored them. */
function updateDatasetFields(db: ProjectDb, coco: CocoDataset): boolean {
  const extra = Object.fromEntries(
    Object.entries(coco).filter(([k]) => !['info', 'licenses', 'categories', 'images', 'annotations'].includes(k)),
  );
  const wanted: Record<string, unknown> = {
    coco_info: coco.info ?? null,
    coco_licenses: coco.licenses ?? null,
    coco_categories: coco.categories,
    coco_extra: extra,
  };
  const stored = (k: string) => {
    const v = db.prepare('SELECT value FROM project_meta WHERE key = ?').pluck().get(k) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as unknown);
  };
  if (Object.entries(wanted).every(([k, v]) => jsonEqual(stored(k), v))) return false;
  if (exportsSameFields(db, coco, extra)) return false;
  const meta = db.prepare(
    'INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  for (const [k, v] of Object.entries(wanted)) meta.run(k, JSON.stringify(v));
  return true;
}

/** Whether the project's export already has the file's info, licenses, categories and extra fields. */
function exportsSameFields(db: ProjectDb, coco: CocoDataset, extra: Record<string, unknown>): boolean {
  let out: CocoDataset;
  try {
    out = exportCoco(db);
  } catch {
    return false;
  }
  const { images: _i, annotations: _a, ...fields } = out;
  return jsonEqual(fields, { ...extra, ...Object.fromEntries(DATASET_KEYS.map((k) => [k, coco[k]])) });
}
