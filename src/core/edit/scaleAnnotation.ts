import type { ImageSize } from './diffChecks.ts';
import type { AnnotationState, JointRecord, PersonRecord } from './poseRecords.ts';
import { emptyDiff, type RecordDiff } from './recordDiff.ts';

// An annotation carried over to a resized copy of its photo (a file replaced in place by a smaller or larger one).

/** Scale factors (new px per old px, each axis) of a resize from `from` to `to`. */
export interface ResizeScale {
  sx: number;
  sy: number;
}

/**
 * The scale of `to` as a resized copy of `from`, or null when it cannot be one (another aspect ratio: another
 * picture, a crop, a rotation). A resize by s rounds each side to whole pixels, so a copy is one where a single s
 * gives both sides within 1 px: the intervals [(W'−1)/W, (W'+1)/W] and [(H'−1)/H, (H'+1)/H] overlap. Each axis is
 * then scaled by its own exact factor W'/W, H'/H, which maps the old image rectangle onto the new one.
 */
export function resizeScale(from: ImageSize, to: ImageSize): ResizeScale | null {
  const lo = Math.max((to.width - 1) / from.width, (to.height - 1) / from.height);
  const hi = Math.min((to.width + 1) / from.width, (to.height + 1) / from.height);
  if (!(lo <= hi) || hi <= 0) return null;
  return { sx: to.width / from.width, sy: to.height / from.height };
}

/**
 * The diff that scales every person of `state` by `s`: joints (and the model's original positions they keep),
 * and an imported annotation's box, area and polygon mask. Null when a person has a mask that cannot be scaled
 * point by point (run-length encoded): such an annotation is left for a person to look at.
 */
export function scaledAnnotationDiff(state: AnnotationState, s: ResizeScale): RecordDiff | null {
  const d = emptyDiff();
  for (const id of state.order) {
    const p = state.persons[id];
    const coco = p.coco === undefined ? undefined : scaledCocoFields(p.coco, s);
    if (coco === null) return null;
    const scaled: PersonRecord = { ...p, joints: p.joints.map((j) => j && scaledJoint(j, s)) };
    if (coco !== undefined) scaled.coco = coco;
    d.updated[id] = [p, scaled];
  }
  return d;
}

function scaledJoint(j: JointRecord, s: ResizeScale): JointRecord {
  const out: JointRecord = { ...j, x: j.x * s.sx, y: j.y * s.sy };
  if (j.model) out.model = { ...j.model, x: j.model.x * s.sx, y: j.model.y * s.sy };
  return out;
}

/** An imported annotation's geometric fields scaled; null when its mask is RLE (not scalable here). */
function scaledCocoFields(coco: Record<string, unknown>, s: ResizeScale): Record<string, unknown> | null {
  const out = { ...coco };
  const box = coco.bbox;
  if (Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === 'number'))
    out.bbox = [box[0] * s.sx, box[1] * s.sy, box[2] * s.sx, box[3] * s.sy];
  if (typeof coco.area === 'number') out.area = coco.area * s.sx * s.sy;
  const seg = coco.segmentation;
  if (seg !== undefined && seg !== null) {
    if (!Array.isArray(seg) || !seg.every((poly) => Array.isArray(poly) && poly.every((v) => typeof v === 'number')))
      return null;
    out.segmentation = (seg as number[][]).map((poly) => poly.map((v, i) => v * (i % 2 === 0 ? s.sx : s.sy)));
  }
  return out;
}
