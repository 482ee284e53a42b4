import { COCO_KEYPOINTS } from '../skeleton/poseMeta.ts';
import { jsonEqual } from './jsonEqual.ts';
import { JOINT_COUNT, type AnnotationState, type PersonRecord } from './poseRecords.ts';
import { emptyDiff, type RecordDiff } from './recordDiff.ts';

/** Something the diff changes that another edit changed differently since the diff's base. */
export interface RebaseConflict {
  /** null: the persons' order. */
  personId: string | null;
  /** `joint:<k>`, `crowd`, `score`, `coco`, `cocoOrder`, `person` (the whole record: deleted or added twice), `order`. */
  field: string;
}

/**
 * The fields a person's record is merged by: each joint on its own, then the person's flags and imported data. Two
 * edits of one person that touch different fields (one moves the knee, the other the wrist) both survive.
 */
const FIELDS = [...Array.from({ length: JOINT_COUNT }, (_, k) => `joint:${k}`), 'crowd', 'score', 'coco', 'cocoOrder'];

function fieldOf(p: PersonRecord, f: string): unknown {
  return f.startsWith('joint:') ? (p.joints[Number(f.slice(6))] ?? null) : (p as unknown as Record<string, unknown>)[f];
}

function withFields(p: PersonRecord, changes: [string, unknown][]): PersonRecord {
  const joints = [...p.joints];
  const out = { ...p, joints } as unknown as Record<string, unknown>;
  for (const [f, v] of changes) {
    if (f.startsWith('joint:')) joints[Number(f.slice(6))] = v as PersonRecord['joints'][number];
    else if (v === undefined) delete out[f];
    else out[f] = v;
  }
  return out as unknown as PersonRecord;
}

/**
 * Re-bases a diff made on an older state onto `current`, field by field (FIELDS): a field the diff changes whose
 * current value is still the diff's `before` (or already its `after`) takes the diff's value; a field changed
 * differently since is a conflict. A person the diff removes must be unchanged since; one it adds must not exist.
 * The result's `before` values are `current`'s, so it applies to `current` and is its own undo information.
 * `keepOwn`: conflicting fields take the diff's value anyway (the user's own change is kept over the other's);
 * the conflicts are still listed.
 */
export function rebaseDiff(
  current: AnnotationState,
  d: RecordDiff,
  keepOwn = false,
): { diff: RecordDiff; conflicts: RebaseConflict[] } {
  const out = emptyDiff();
  const conflicts: RebaseConflict[] = [];
  for (const [id, [before, after]] of Object.entries(d.updated)) {
    const cur = current.persons[id];
    if (!cur) {
      conflicts.push({ personId: id, field: 'person' });
      if (keepOwn) out.added[id] = after;
      continue;
    }
    const changes: [string, unknown][] = [];
    for (const f of FIELDS) {
      const b = fieldOf(before, f),
        a = fieldOf(after, f);
      if (jsonEqual(a, b)) continue;
      const c = fieldOf(cur, f);
      if (jsonEqual(c, b) || jsonEqual(c, a) || keepOwn) changes.push([f, a]);
      if (!jsonEqual(c, b) && !jsonEqual(c, a)) conflicts.push({ personId: id, field: f });
    }
    const merged = withFields(cur, changes);
    if (!jsonEqual(merged, cur)) out.updated[id] = [cur, merged];
  }
  for (const [id, rec] of Object.entries(d.removed)) {
    const cur = current.persons[id];
    if (!cur) continue; // already gone
    if (!jsonEqual(cur, rec)) conflicts.push({ personId: id, field: 'person' });
    if (jsonEqual(cur, rec) || keepOwn) out.removed[id] = cur;
  }
  for (const [id, rec] of Object.entries(d.added)) {
    const cur = current.persons[id];
    if (!cur) out.added[id] = rec;
    else if (!jsonEqual(cur, rec)) {
      conflicts.push({ personId: id, field: 'person' });
      if (keepOwn) out.updated[id] = [cur, rec];
    }
  }
  if (d.order) {
    if (jsonEqual(d.order[0], current.order)) {
      if (!jsonEqual(d.order[1], current.order)) out.order = [current.order, d.order[1]];
    } else {
      conflicts.push({ personId: null, field: 'order' });
      if (keepOwn) {
        const order = mergedOrder(current, out, d.order[1]);
        if (!jsonEqual(order, current.order)) out.order = [current.order, order];
      }
    }
  }
  if (d.rejectedPredictions) {
    // A set: the keys this diff rejects or restores, applied to the current set (never a conflict).
    const [before, after] = d.rejectedPredictions.map((l) => new Set(l));
    const cur = current.rejectedPredictions ?? [];
    const next = [
      ...cur.filter((k) => !(before.has(k) && !after.has(k))),
      ...[...after].filter((k) => !before.has(k) && !cur.includes(k)),
    ];
    if (!jsonEqual(next, cur)) out.rejectedPredictions = [cur, next];
  }
  return { diff: out, conflicts };
}

/** The wanted order over the persons the rebased diff leaves: wanted ones first, then the others as they were. */
function mergedOrder(current: AnnotationState, d: RecordDiff, wanted: string[]): string[] {
  const result = new Set([...current.order.filter((id) => !(id in d.removed)), ...Object.keys(d.added)]);
  const order = wanted.filter((id) => result.has(id));
  const placed = new Set(order);
  for (const id of result) if (!placed.has(id)) order.push(id);
  return order;
}

/** "left knee of person p2", "person p2", "the order of the persons" — for messages. */
export function describeConflict(c: RebaseConflict): string {
  if (c.personId === null) return 'the order of the persons';
  if (c.field === 'person') return `person ${c.personId}`;
  const what = c.field.startsWith('joint:') ? COCO_KEYPOINTS[Number(c.field.slice(6))].replace('_', ' ') : c.field;
  return `${what} of person ${c.personId}`;
}
