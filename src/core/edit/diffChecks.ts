import { COCO_KEYPOINTS } from '../skeleton/poseMeta.ts';
import { jsonEqual } from './jsonEqual.ts';
import {
  BUILT_IN_ID_PROBLEM,
  isBuiltInPropertyName,
  JOINT_COUNT,
  type AnnotationState,
  type PersonRecord,
} from './poseRecords.ts';
import type { RecordDiff } from './recordDiff.ts';

/** A problem of an edit, located by its path in the request (`diff.updated.p1[1].joints[3].x`). */
export interface EditProblem {
  path: string;
  message: string;
}

/** Image size in pixels (after EXIF orientation): the space joints live in. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * How far outside its image a joint may lie, as a fraction of the image size on each side: a person cut by the
 * frame may have joints labelled beyond it, but a joint further out is a broken payload (and ±1e308 breaks boxes).
 */
export const JOINT_MARGIN = 1;

/** The region joints (and the model positions kept with them) must lie in, in image pixels, inclusive. */
export function jointBounds(size: ImageSize): { minX: number; maxX: number; minY: number; maxY: number } {
  return {
    minX: -JOINT_MARGIN * size.width,
    maxX: (1 + JOINT_MARGIN) * size.width,
    minY: -JOINT_MARGIN * size.height,
    maxY: (1 + JOINT_MARGIN) * size.height,
  };
}

/** A point clamped into jointBounds (what the editor does with a joint dragged far outside the image). */
export function clampToBounds(x: number, y: number, size: ImageSize): { x: number; y: number } {
  const b = jointBounds(size);
  return { x: Math.min(b.maxX, Math.max(b.minX, x)), y: Math.min(b.maxY, Math.max(b.minY, y)) };
}

const PERSON_KEYS = new Set(['id', 'joints', 'crowd', 'score', 'coco', 'cocoOrder']);
const JOINT_KEYS = new Set(['x', 'y', 'v', 'source', 'model']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

/** Every problem of one person record stored under `key`, for an image of `size`. */
export function personProblems(p: unknown, key: string, size: ImageSize, path: string): EditProblem[] {
  const out: EditProblem[] = [];
  const bad = (at: string, message: string) => out.push({ path: at, message });
  if (!isObject(p)) {
    bad(path, `must be a person record, got ${show(p)}`);
    return out;
  }
  for (const k of Object.keys(p)) if (!PERSON_KEYS.has(k)) bad(`${path}.${k}`, 'unknown field');
  if (p.id !== key) bad(`${path}.id`, `must be the key it is stored under ("${key}"), got ${show(p.id)}`);
  if (typeof p.crowd !== 'boolean') bad(`${path}.crowd`, `must be true or false, got ${show(p.crowd)}`);
  if (p.score !== undefined && !Number.isFinite(p.score)) bad(`${path}.score`, `must be a finite number`);
  if (p.cocoOrder !== undefined && !(Number.isSafeInteger(p.cocoOrder) && (p.cocoOrder as number) >= 0))
    bad(`${path}.cocoOrder`, `must be an integer ≥ 0, got ${show(p.cocoOrder)}`);
  if (p.coco !== undefined && !isObject(p.coco)) bad(`${path}.coco`, 'must be an object');
  if (!Array.isArray(p.joints) || p.joints.length !== JOINT_COUNT) {
    const got = Array.isArray(p.joints) ? `${p.joints.length}` : show(p.joints);
    bad(`${path}.joints`, `must list exactly ${JOINT_COUNT} joints (the skeleton's keypoints), got ${got}`);
    return out;
  }
  const b = jointBounds(size);
  const point = (x: unknown, y: unknown, at: string, what: string) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return bad(at, `${what} must be finite numbers`);
    if ((x as number) < b.minX || (x as number) > b.maxX || (y as number) < b.minY || (y as number) > b.maxY)
      bad(
        at,
        `${what} (${show(x)}, ${show(y)}) is too far outside the ${size.width}×${size.height} image (allowed x ${b.minX}..${b.maxX}, y ${b.minY}..${b.maxY})`,
      );
  };
  for (const [k, j] of (p.joints as unknown[]).entries()) {
    const at = `${path}.joints[${k}]`;
    if (j === null) continue;
    if (!isObject(j)) {
      bad(at, `must be a joint or null, got ${show(j)}`);
      continue;
    }
    for (const f of Object.keys(j)) if (!JOINT_KEYS.has(f)) bad(`${at}.${f}`, 'unknown field');
    point(j.x, j.y, at, `${COCO_KEYPOINTS[k]} x, y`);
    if (j.v !== 0 && j.v !== 1 && j.v !== 2)
      bad(`${at}.v`, `must be 0, 1 or 2 (joints never placed are null), got ${show(j.v)}`);
    if (j.source !== 'model' && j.source !== 'human' && j.source !== 'edited')
      bad(`${at}.source`, `must be "model", "human" or "edited", got ${show(j.source)}`);
    if (j.model !== undefined) {
      if (!isObject(j.model)) {
        bad(`${at}.model`, 'must be an object');
        continue;
      }
      point(j.model.x, j.model.y, `${at}.model`, `the model's ${COCO_KEYPOINTS[k]}`);
      if (!Number.isFinite(j.model.score)) bad(`${at}.model.score`, 'must be a finite number');
    }
  }
  return out;
}

/**
 * Every problem of a diff's shape: each new record (added, `after`) valid for the image, each person in one section
 * only, `order` two lists of distinct ids. `imported`: the diff may add or change the fields a COCO import brings (`coco`,
 * `cocoOrder`); edits may not (they would decide annotation ids and boxes of the export).
 */
export function diffShapeProblems(d: RecordDiff, size: ImageSize, imported = false): EditProblem[] {
  const out: EditProblem[] = [];
  const sections = ['added', 'updated', 'removed'] as const;
  for (const s of sections)
    if (!isObject(d?.[s])) out.push({ path: `diff.${s}`, message: 'must be an object of persons by id' });
  if (out.length) return out;
  const seen = new Map<string, string>();
  for (const s of sections)
    for (const id of Object.keys(d[s])) {
      if (isBuiltInPropertyName(id)) out.push({ path: `diff.${s}.${id}`, message: `person id ${BUILT_IN_ID_PROBLEM}` });
      if (seen.has(id)) out.push({ path: `diff.${s}.${id}`, message: `person ${id} is also in diff.${seen.get(id)}` });
      seen.set(id, s);
    }
  if (out.length) return out;
  const fromImport = (p: unknown) => isObject(p) && (p.coco !== undefined || p.cocoOrder !== undefined);
  for (const [id, p] of Object.entries(d.added)) {
    out.push(...personProblems(p, id, size, `diff.added.${id}`));
    if (!imported && fromImport(p))
      out.push({ path: `diff.added.${id}`, message: 'an added person cannot carry imported COCO fields' });
  }
  // Records a diff removes or replaces need only be the stored ones (diffMismatches, rebaseDiff): a damaged record
  // stored by an older version can still be deleted or fixed.
  for (const [id, p] of Object.entries(d.removed))
    if (!isObject(p) || p.id !== id) out.push({ path: `diff.removed.${id}`, message: `must be the record of ${id}` });
  for (const [id, pair] of Object.entries(d.updated)) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !isObject(pair[0]) ||
      pair[0].id !== id ||
      !Array.isArray(pair[0].joints)
    ) {
      out.push({ path: `diff.updated.${id}`, message: `must be [before, after] records of ${id}` });
      continue;
    }
    out.push(...personProblems(pair[1], id, size, `diff.updated.${id}[1]`));
    const [b, a] = pair as [PersonRecord, PersonRecord];
    if (!imported && (!jsonEqual(b?.coco, a?.coco) || b?.cocoOrder !== a?.cocoOrder))
      out.push({ path: `diff.updated.${id}[1]`, message: "an edit cannot change a person's imported COCO fields" });
  }
  out.push(...listPairProblems(d.order, 'diff.order', 'person ids', 'a person', true));
  out.push(...listPairProblems(d.rejectedPredictions, 'diff.rejectedPredictions', 'prediction keys', 'a prediction'));
  return out;
}

/** A `[before, after]` pair of lists of distinct strings (absent is fine); `ids`: person ids, never built-in names. */
function listPairProblems(pair: unknown, path: string, what: string, one: string, ids = false): EditProblem[] {
  if (pair === undefined) return [];
  if (!Array.isArray(pair) || pair.length !== 2) return [{ path, message: 'must be [before, after]' }];
  const out: EditProblem[] = [];
  pair.forEach((list: unknown, i) => {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
      out.push({ path: `${path}[${i}]`, message: `must be a list of ${what}` });
    else if (ids && list.some(isBuiltInPropertyName))
      out.push({ path: `${path}[${i}]`, message: `lists a person id that ${BUILT_IN_ID_PROBLEM}` });
    else if (new Set(list).size !== list.length)
      out.push({ path: `${path}[${i}]`, message: `lists ${one} more than once` });
  });
  return out;
}

/** Where a diff does not fit `state` exactly: its `before` records and order must be the stored ones. */
export function diffMismatches(state: AnnotationState, d: RecordDiff): EditProblem[] {
  const out: EditProblem[] = [];
  for (const id of Object.keys(d.added))
    if (state.persons[id]) out.push({ path: `diff.added.${id}`, message: `person ${id} already exists` });
  const check = (id: string, before: PersonRecord, path: string) => {
    const cur = state.persons[id];
    if (!cur) out.push({ path, message: `person ${id} does not exist` });
    else if (!jsonEqual(cur, before)) out.push({ path, message: `is not the stored record of person ${id}` });
  };
  for (const [id, [before]] of Object.entries(d.updated)) check(id, before, `diff.updated.${id}[0]`);
  for (const [id, rec] of Object.entries(d.removed)) check(id, rec, `diff.removed.${id}`);
  if (d.order && !jsonEqual(d.order[0], state.order))
    out.push({ path: 'diff.order[0]', message: 'is not the stored order of the persons' });
  if (d.rejectedPredictions && !jsonEqual(d.rejectedPredictions[0], state.rejectedPredictions ?? []))
    out.push({ path: 'diff.rejectedPredictions[0]', message: 'is not the stored list of rejected predictions' });
  return out;
}

/** Problems of a whole annotation: `order` lists each person exactly once, and only persons that exist. */
export function stateProblems(s: AnnotationState): EditProblem[] {
  const out: EditProblem[] = [];
  const ids = new Set(Object.keys(s.persons));
  for (const id of s.order)
    if (!ids.has(id)) out.push({ path: 'order', message: `names person ${id}, which is not in the annotation` });
  const listed = new Set(s.order);
  if (listed.size !== s.order.length) out.push({ path: 'order', message: 'lists a person more than once' });
  for (const id of ids) if (!listed.has(id)) out.push({ path: 'order', message: `leaves out person ${id}` });
  return out;
}
