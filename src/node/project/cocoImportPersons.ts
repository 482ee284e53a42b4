import type { CocoAnnotation, CocoDataset, CocoImage, CocoViolation } from '../../core/coco/cocoTypes.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { JOINT_COUNT, type AnnotationState, type JointRecord, type PersonRecord } from '../../core/edit/poseRecords.ts';
import { emptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { annotationOf } from './cocoExchange.ts';

// How an import matches a COCO file's persons to an image's annotation, and checks what one image will export as.

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
export function personChanges(
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

/**
 * What the export would refuse in one image after an import: its record and persons (as annotationOf makes them)
 * checked by the validator with the file's categories — keypoints within the record's size, category ids, masks.
 * Ids across images are idCollisions' (cocoImportChecks.ts).
 */
export function imageExportProblems(record: CocoImage, state: AnnotationState, categories: unknown[]): CocoViolation[] {
  const annotations = state.order.map(
    (id, i) => annotationOf(state.persons[id], record.id, Number.MAX_SAFE_INTEGER - i).ann,
  );
  const one = { images: [record], annotations, categories } as CocoDataset;
  return validateCocoGt(one).filter((v) => v.severity === 'error');
}
