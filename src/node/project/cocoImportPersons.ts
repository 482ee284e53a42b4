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

/** A person an import left as the project has it, and why. */
export interface KeptPerson {
  personId: string;
  why: 'edited' | 'made in the project';
}

/**
 * The diff that makes an image's persons those of the file — except persons the project changed since the file was
 * last imported. A person is left as it is when the project already exports it as the file's annotation: the one
 * imported with that id, or — for a person made in the app, which the export gave a fresh id — one whose exported
 * annotation is the file's except for nothing at all. A person takes the file's new values (or goes, when the file
 * no longer has it) only while it is exactly as the latest import left it (`imported`, from the image's history);
 * one edited since, or made in the project, is kept and listed in `kept`: a re-import never undoes a correction.
 */
export function personChanges(
  state: AnnotationState,
  anns: { a: CocoAnnotation; order: number }[],
  imageId: number,
  imported: ReadonlyMap<string, PersonRecord | null>,
): { diff: RecordDiff; added: number; updated: number; removed: number; kept: KeptPerson[] } {
  const d = emptyDiff();
  const matched = new Set<string>();
  const kept: KeptPerson[] = [];
  const asImported = (p: PersonRecord) => {
    const last = imported.get(p.id);
    return last != null && jsonEqual(last, p);
  };
  const keep = (p: PersonRecord) =>
    kept.push({ personId: p.id, why: imported.get(p.id) ? 'edited' : 'made in the project' });
  for (const { a, order } of anns) {
    const incoming: PersonRecord = { ...personFromCoco(a), cocoOrder: order };
    const exportsAs = (p: PersonRecord) => jsonEqual(annotationOf(p, imageId, a.id).ann, a);
    const same = state.persons[incoming.id];
    if (same) {
      matched.add(same.id);
      if (exportsAs(same)) continue;
      if (asImported(same)) d.updated[same.id] = [same, incoming];
      else keep(same);
      continue;
    }
    const twin = state.order.find(
      (id) => !matched.has(id) && typeof state.persons[id].coco?.id !== 'number' && exportsAs(state.persons[id]),
    );
    if (twin !== undefined) matched.add(twin);
    else d.added[incoming.id] = incoming;
  }
  for (const id of state.order) {
    if (matched.has(id)) continue;
    const p = state.persons[id];
    if (asImported(p)) d.removed[id] = p;
    else keep(p);
  }
  return {
    diff: d,
    added: Object.keys(d.added).length,
    updated: Object.keys(d.updated).length,
    removed: Object.keys(d.removed).length,
    kept,
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
