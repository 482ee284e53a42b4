import type { CocoAnnotation, CocoDataset, CocoImage } from '../../core/coco/cocoTypes.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';
import { freshCocoIds } from '../../core/coco/freshCocoIds.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../core/skeleton/poseMeta.ts';
import {
  type AnnotationState,
  isEmptyPerson,
  isLabelled,
  type JointRecord,
  type PersonRecord,
} from '../../core/edit/poseRecords.ts';
import type { ImageRecord } from '../db/imageRepository.ts';

// A COCO keypoints GT export built from rows of any store (the SQLite project: cocoExchange.ts; the team database:
// team/teamExport.ts), so that both write the same file for the same data: which images (ExportOptions), ids,
// order, passthrough fields, empty persons left out, validation.

const AREA_SOURCE =
  "segmentation area when imported with a mask; otherwise the area of the labelled keypoints' bounding box";

/**
 * Which images an export takes. By default those whose ground truth is established: accepted, "no person", and
 * images imported with their annotations (unless rejected since), so that import(export(x)) == x for an imported
 * dataset — never an image that only has predictions or that someone merely opened. `onlyReviewed`: accepted and
 * "no person" only. `all`: every image, each with its review status recorded (`review_status` in its record).
 * Plain data: it travels to the project worker as it is.
 */
export interface ExportOptions {
  onlyReviewed?: boolean;
  all?: boolean;
  /** Filled (in the process that exports) with the images left out because they wait for a look (a review note,
   * refitAnnotation), and why. */
  leftOut?: LeftOutImage[];
}

/** An image an export left out, and why. */
export interface LeftOutImage {
  fileName: string;
  reason: string;
}

/** The image record field an `all` export records each image's review status in. */
export const REVIEW_STATUS_FIELD = 'review_status';

/** Why these options cannot go together, or null (the CLI and the service refuse them with this). */
export function exportScopeProblem(o: ExportOptions): string | null {
  return o.onlyReviewed && o.all ? 'choose either only the reviewed images or all of them, not both' : null;
}

/**
 * Whether an image belongs to an export of these options (see ExportOptions). An imported record is established
 * ground truth unless it says otherwise: an `all` export imported again records each image's status in the project
 * it came from, and an image that was only predicted or opened there (no annotations in the file) must not become a
 * person-free image here.
 */
export function inExportScope(r: Pick<ImageRecord, 'status' | 'cocoJson'>, o: ExportOptions): boolean {
  if (o.all) return true;
  if (r.status === 'accepted' || r.status === 'no_person') return true;
  if (o.onlyReviewed || r.cocoJson === null || r.status === 'rejected') return false;
  const recorded = (JSON.parse(r.cocoJson) as Record<string, unknown>)[REVIEW_STATUS_FIELD];
  return recorded === undefined || recorded === 'accepted' || recorded === 'no_person';
}

/** A dataset-level field an import stored (`coco_info`, …), parsed; undefined when absent. */
export type DatasetMeta = (key: string) => unknown;

/** The project_meta keys of the dataset-level fields an import stores (what a team push copies). */
export const DATASET_META_KEYS = ['coco_info', 'coco_extra', 'coco_licenses', 'coco_categories'] as const;

/**
 * The project as a COCO keypoints GT file: imported records come back as they were (ids, fields, order), edited
 * persons carry their new keypoints, new images and persons get fresh ids ≥ 1, images reviewed as containing nobody
 * stay in `images`; the images of ExportOptions. A person with no labelled joint and no box of its own is never
 * written (`emptyPersons` counts them). Images with a review note (an annotation of another size, after the
 * file was replaced) are left out and listed in `o.leftOut`. The result passes the validator.
 *
 * `all`: every image in project order; `storedAnnotations`: the stored annotations by image id, read one at a time (a
 * 100,000-image project never holds every parsed annotation at once); `meta`: the dataset fields.
 */
export function buildCocoExport(
  all: ImageRecord[],
  storedAnnotations: Iterable<[number, AnnotationState]>,
  meta: DatasetMeta,
  o: ExportOptions = {},
): { dataset: CocoDataset; emptyPersons: number } {
  const ids = cocoImageIds(all);
  // Imported images in their file's order, then the others (no sort key; project order puts them first), so that
  // importing this export gives every image the position it has: "no change". The sort is stable: path order stays.
  const chosen = [...all]
    .sort((x, y) => Number(x.sortKey === null) - Number(y.sortKey === null))
    .filter((r) => inExportScope(r, o))
    .filter((r) => {
      // An annotation made for a picture of another size never goes out as the ground truth of this one.
      if (r.reviewNote === null) return true;
      o.leftOut?.push({ fileName: r.relPath, reason: r.reviewNote });
      return false;
    });
  const stored = new Map<number, ExportedImage | { missing: string }>();
  const cocoIds = new Map(chosen.map((r) => [r.id, ids.get(r.id)!]));
  for (const [imageId, state] of storedAnnotations) {
    const cocoId = cocoIds.get(imageId);
    if (cocoId !== undefined) stored.set(imageId, exported(state, cocoId));
  }
  // Plain arrays side by side rather than an object per annotation: a 100,000-image export holds a million
  // annotations, and every object more is one more for each garbage collection to walk (most of its time).
  const images: CocoImage[] = [],
    annotations: CocoAnnotation[] = [],
    fileOrder: number[] = [],
    needsId: boolean[] = [],
    usedIds: number[] = [];
  let derivedArea = false,
    emptyPersons = 0;
  for (const r of chosen) {
    // A status an imported record brought is another project's: only an `all` export writes one, this project's.
    const { [REVIEW_STATUS_FIELD]: _brought, ...record }: CocoImage & Record<string, unknown> = r.cocoJson
      ? (JSON.parse(r.cocoJson) as CocoImage)
      : { id: ids.get(r.id)!, file_name: r.relPath, width: r.width, height: r.height };
    images.push((o.all ? { ...record, [REVIEW_STATUS_FIELD]: r.status } : record) as CocoImage);
    const persons = stored.get(r.id) ?? NO_PERSONS;
    if ('missing' in persons)
      throw new CocoFormatError('export', [
        {
          path: `image ${r.relPath}`,
          message: `its stored annotation lists person ${persons.missing}, which it does not hold (a damaged record: fix it in the app)`,
          severity: 'error',
        },
      ]);
    if (persons.derived) derivedArea = true;
    emptyPersons += persons.empty;
    for (const id of persons.reserved) usedIds.push(id);
    for (let i = 0; i < persons.anns.length; i++) {
      annotations.push(persons.anns[i]);
      fileOrder.push(persons.fileOrder[i]);
      needsId.push(persons.needsId[i]);
      if (!persons.needsId[i]) usedIds.push(persons.anns[i].id);
    }
  }
  // Persons without an id of their own get fresh ids once every id in use is known, in image then person order.
  const nextAnn = freshCocoIds(usedIds);
  for (let i = 0; i < annotations.length; i++) if (needsId[i]) annotations[i].id = nextAnn();
  // Imported annotations keep their file order; new ones follow, in image then person order.
  const order = Uint32Array.from(annotations.keys()).sort((x, y) => fileOrder[x] - fileOrder[y] || x - y);
  const { categories, ...head } = datasetFieldsOf(meta, derivedArea);
  const out: CocoDataset = { ...head, images, annotations: Array.from(order, (i) => annotations[i]), categories };
  const errors = validateCocoGt(out).filter((v) => v.severity === 'error');
  if (errors.length) throw new CocoFormatError('export', errors);
  return { dataset: out, emptyPersons };
}

/**
 * An image's persons as COCO annotations: each one's place in the imported file (MAX_SAFE_INTEGER: none) and
 * whether it still needs an id (it has none of its own); whether an area was derived; the empty persons left out
 * (never written) and the ids they hold, which no new person takes.
 */
type ExportedImage = {
  anns: CocoAnnotation[];
  fileOrder: number[];
  needsId: boolean[];
  derived: boolean;
  empty: number;
  reserved: number[];
};
const NO_PERSONS: ExportedImage = { anns: [], fileOrder: [], needsId: [], derived: false, empty: 0, reserved: [] };

/** An annotation's persons in its order as COCO annotations of image `cocoImageId`; `missing`: a person it lists but lacks. */
function exported(state: AnnotationState, cocoImageId: number): ExportedImage | { missing: string } {
  const out: ExportedImage = { anns: [], fileOrder: [], needsId: [], derived: false, empty: 0, reserved: [] };
  for (const id of state.order) {
    const p = state.persons[id];
    if (!p) return { missing: id };
    const own = p.coco?.id;
    if (isEmptyPerson(p)) {
      out.empty++;
      if (typeof own === 'number') out.reserved.push(own);
      continue;
    }
    const { ann, derived } = annotationOf(p, cocoImageId, 0);
    out.anns.push(ann);
    out.fileOrder.push(p.cocoOrder ?? Number.MAX_SAFE_INTEGER);
    out.needsId.push(typeof own !== 'number');
    if (derived) out.derived = true;
  }
  return out;
}

/** The top-level fields of an export: what an import brought (or defaults), `derivedArea` said in info. */
export function datasetFieldsOf(
  stored: DatasetMeta,
  derivedArea: boolean,
): Pick<CocoDataset, 'info' | 'licenses' | 'categories'> & Record<string, unknown> {
  const meta = (k: string) => stored(k) as ReturnType<typeof JSON.parse>; // as an import stored it
  const info = meta('coco_info');
  return {
    ...(meta('coco_extra') ?? {}),
    ...(info !== undefined && info !== null
      ? { info: derivedArea ? { ...info, area_source: AREA_SOURCE } : info }
      : { info: { description: 'SimplePose Studio export', area_source: AREA_SOURCE } }),
    ...(meta('coco_licenses') ? { licenses: meta('coco_licenses') } : {}),
    categories: meta('coco_categories') ?? [
      {
        id: 1,
        name: 'person',
        supercategory: 'person',
        keypoints: [...COCO_KEYPOINTS],
        skeleton: COCO_SKELETON_1BASED.map((q) => [...q]),
      },
    ],
  };
}

/**
 * The COCO annotation a person exports as (`id` when it carries none of its own): imported fields as they came,
 * the current keypoints, and a bbox and area derived from the labelled keypoints when the import brought none
 * (`derived`).
 */
export function annotationOf(p: PersonRecord, imageId: number, id: number): { ann: CocoAnnotation; derived: boolean } {
  // Sized once (a grown array keeps ~50 % slack): an export can hold a million of these.
  const keypoints = new Array<number>(3 * p.joints.length);
  let n = 0;
  for (let k = 0; k < p.joints.length; k++) {
    // A joint set to v = 0 keeps its position in the editor; COCO writes 0, 0, 0 for it.
    const j = p.joints[k];
    const labelled = isLabelled(j);
    keypoints[3 * k] = labelled ? j.x : 0;
    keypoints[3 * k + 1] = labelled ? j.y : 0;
    keypoints[3 * k + 2] = labelled ? j.v : 0;
    if (labelled) n++;
  }
  const c = p.coco ?? {};
  const ann = {
    ...c,
    id: typeof c.id === 'number' ? c.id : id,
    image_id: imageId,
    category_id: typeof c.category_id === 'number' ? c.category_id : 1,
    keypoints,
    num_keypoints: n,
  } as CocoAnnotation;
  const derived = !Array.isArray(c.bbox) || typeof c.area !== 'number';
  if (derived) {
    const box = keypointBox(p.joints);
    ann.bbox = box;
    ann.area = Math.max(1, box[2] * box[3]);
  }
  if (c.iscrowd === undefined) ann.iscrowd = p.crowd ? 1 : 0;
  return { ann, derived };
}

/**
 * The COCO image id of every project image (`images`: all of them in project order, as imageRepository.all gives),
 * shared by GT and results exports: an imported image keeps its id, any other gets the next id above all imported
 * ones, in project order (freshCocoIds: the lowest free ones once that would pass 2^53 − 1).
 */
export function cocoImageIds(images: Pick<ImageRecord, 'id' | 'cocoJson'>[]): Map<number, number> {
  const ids = new Map<number, number>();
  for (const r of images) if (r.cocoJson) ids.set(r.id, (JSON.parse(r.cocoJson) as CocoImage).id);
  const next = freshCocoIds(ids.values());
  for (const r of images) if (!r.cocoJson) ids.set(r.id, next());
  return ids;
}

function keypointBox(joints: (JointRecord | null)[]): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const j of joints) {
    if (!isLabelled(j)) continue;
    x0 = Math.min(x0, j.x);
    y0 = Math.min(y0, j.y);
    x1 = Math.max(x1, j.x);
    y1 = Math.max(y1, j.y);
  }
  if (x0 === Infinity) return [0, 0, 1, 1];
  return [x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)];
}
