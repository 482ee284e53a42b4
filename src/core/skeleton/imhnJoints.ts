import type { EncoderPerson } from '../codec/encodeTargets.ts';
import { COCO_TO_IMHN, IMHN_KEYPOINTS } from './poseMeta.ts';

/** A point in image pixels (x right, y down; integer = pixel centre, as the decoder and COCO). */
export interface ImagePoint {
  x: number;
  y: number;
}

/** One person's 17 COCO joints in image pixels, null = not labelled (v = 0). */
export type CocoJoints = readonly (ImagePoint | null)[];

const RSHO = IMHN_KEYPOINTS.indexOf('Rsho'),
  LSHO = IMHN_KEYPOINTS.indexOf('Lsho'),
  NECK = IMHN_KEYPOINTS.indexOf('neck');

/**
 * 17 COCO joints → the 18 IMHN keypoints (network order), the neck at the midpoint of the shoulders when both are
 * labelled: the neck the official COCO data loader adds (IMHN-REFERENCE §3.4), which the network was taught.
 */
export function cocoToImhnJoints(joints: CocoJoints): (ImagePoint | null)[] {
  const out: (ImagePoint | null)[] = IMHN_KEYPOINTS.map(() => null);
  COCO_TO_IMHN.forEach((imhn, coco) => {
    const j = joints[coco];
    out[imhn] = j ? { x: j.x, y: j.y } : null;
  });
  const r = out[RSHO],
    l = out[LSHO];
  if (r && l) out[NECK] = { x: (r.x + l.x) / 2, y: (r.y + l.y) / 2 };
  return out;
}

/**
 * A person for the GT encoder: IMHN joints (neck added as above) mapped from image pixels into the network input
 * of a pass resized by `multiplier` (input = (image + ½)·m − ½, cv2.resize's pixel-centre mapping).
 */
export function toEncoderPerson(joints: CocoJoints, multiplier: number): EncoderPerson {
  const xy = new Float64Array(2 * IMHN_KEYPOINTS.length);
  const labelled = new Array<boolean>(IMHN_KEYPOINTS.length).fill(false);
  cocoToImhnJoints(joints).forEach((p, t) => {
    if (!p) return;
    xy[2 * t] = (p.x + 0.5) * multiplier - 0.5;
    xy[2 * t + 1] = (p.y + 0.5) * multiplier - 0.5;
    labelled[t] = true;
  });
  return { xy, labelled };
}
