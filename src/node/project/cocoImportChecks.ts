import type { CocoDataset, CocoImage, CocoViolation } from '../../core/coco/cocoTypes.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { datasetFieldsOf } from './cocoExport.ts';
import type { ImportTarget } from './importTarget.ts';

// What an import checks against the rest of the project, and the dataset-level fields it stores.

/**
 * Image and annotation ids of the file that other images of the project already export under; `othersHavePersons`:
 * whether images the file does not describe hold persons (their category ids then depend on the categories kept).
 */
export function idCollisions(
  target: ImportTarget,
  coco: CocoDataset,
): { taken: CocoViolation[]; othersHavePersons: boolean } {
  const inFile = new Set(coco.images.map((im) => im.file_name));
  const imageIds = new Map<number, string>(),
    annIds = new Map<number, string>();
  const store = target.annotations;
  let othersHavePersons = false;
  for (const r of target.images.all()) {
    if (inFile.has(r.relPath)) continue;
    if (r.cocoJson) imageIds.set((JSON.parse(r.cocoJson) as CocoImage).id, r.relPath);
    const state = store.stored(r.id);
    if (!state) continue;
    const persons = Object.values(state.persons);
    if (persons.length) othersHavePersons = true;
    for (const p of persons) if (typeof p.coco?.id === 'number') annIds.set(p.coco.id, r.relPath);
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
  return { taken: out, othersHavePersons };
}

/**
 * Stores the file's top-level fields (info, licenses, categories, any other) unless the project already exports
 * exactly those (as after importing its own export); true when it stored them.
 */
export function updateDatasetFields(target: ImportTarget, coco: CocoDataset): boolean {
  const { info, licenses, categories, images: _i, annotations: _a, ...extra } = coco;
  const wanted: Record<string, unknown> = {
    coco_info: info ?? null,
    coco_licenses: licenses ?? null,
    coco_categories: categories,
    coco_extra: extra,
  };
  const meta = target.meta;
  if (Object.entries(wanted).every(([k, v]) => jsonEqual(meta.json(k), v))) return false;
  const given = { ...extra, info, licenses, categories };
  // The export adds how areas were derived to info when some person has no box of its own: either form is "the same".
  const exported = (derived: boolean) => datasetFieldsOf((k) => meta.json(k), derived);
  if (jsonEqual(exported(false), given) || jsonEqual(exported(true), given)) return false;
  for (const [k, v] of Object.entries(wanted)) meta.setJson(k, v);
  return true;
}
