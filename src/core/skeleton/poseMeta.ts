/**
 * The one skeleton meta object of the IMHN ("Simple Pose", AAAI 2020) and its link to COCO-17.
 *
 * Source: IMHN-REFERENCE §3 (official `config/config.py:CanonicalConfig` at df0a8ce) and the COCO keypoints spec.
 * Everything that needs keypoint names, limbs, flip orders, channel layout or sigmas reads them from here.
 */

/** The 18 IMHN keypoints, in network order (index = heatmap channel − 30). */
export const IMHN_KEYPOINTS = [
  'nose',
  'neck',
  'Rsho',
  'Relb',
  'Rwri',
  'Lsho',
  'Lelb',
  'Lwri',
  'Rhip',
  'Rkne',
  'Rank',
  'Lhip',
  'Lkne',
  'Lank',
  'Reye',
  'Leye',
  'Rear',
  'Lear',
] as const;

/** Body-part ("limb") k joins keypoint LIMB_FROM[k] to LIMB_TO[k]; k = body-part channel. Limbs 21..29 are redundant. */
export const LIMB_FROM = [
  1, 1, 1, 1, 1, 0, 0, 14, 15, 1, 2, 3, 1, 5, 6, 1, 8, 9, 1, 11, 12, 0, 0, 2, 8, 5, 11, 16, 17, 8,
] as const;
export const LIMB_TO = [
  0, 14, 15, 16, 17, 14, 15, 16, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 5, 8, 12, 11, 9, 2, 5, 11,
] as const;

/** Inference flip: un-flipped channel c of the heat slice (keypoints + 2 background) = mirrored channel FLIP_HEAT_ORDER[c]. */
export const FLIP_HEAT_ORDER = [0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17, 16, 18, 19] as const;
/** Inference flip over the 30 body-part channels (an involution; limb 29 Rhip–Lhip maps to itself). */
export const FLIP_PAF_ORDER = [
  0, 2, 1, 4, 3, 6, 5, 8, 7, 12, 13, 14, 9, 10, 11, 18, 19, 20, 15, 16, 17, 22, 21, 25, 26, 23, 24, 28, 27, 29,
] as const;

/** COCO-17 keypoint names, in COCO order. */
export const COCO_KEYPOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

/** For each COCO index 0..16, the IMHN keypoint index (sokunmin's ORDER_COCO; IMHN-REFERENCE §3.4). */
export const COCO_TO_IMHN = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10] as const;

/** For each IMHN index 0..17, the COCO index, or −1 for the neck (not a COCO keypoint). */
export const IMHN_TO_COCO: readonly number[] = (() => {
  const out = new Array<number>(18).fill(-1);
  COCO_TO_IMHN.forEach((imhn, coco) => {
    out[imhn] = coco;
  });
  return out;
})();

/** COCO left/right flip order over the 17 COCO keypoints. */
export const COCO_FLIP_ORDER = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15] as const;

/** COCO OKS per-keypoint sigmas (pycocotools `COCOeval.Params.kpt_oks_sigmas`, ×10 there is /10 here). */
export const COCO_SIGMAS = [
  0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
] as const;

/** Canonical COCO person skeleton, 1-based keypoint indices (person_keypoints_*.json `categories[0].skeleton`). */
export const COCO_SKELETON_1BASED = [
  [16, 14],
  [14, 12],
  [17, 15],
  [15, 13],
  [12, 13],
  [6, 12],
  [7, 13],
  [6, 7],
  [6, 8],
  [7, 9],
  [8, 10],
  [9, 11],
  [2, 3],
  [1, 2],
  [1, 3],
  [2, 4],
  [3, 5],
  [4, 6],
  [5, 7],
] as const;

/** Channel layout of the 50 network outputs (IMHN-REFERENCE §3.1). */
export const CHANNELS = {
  count: 50,
  limbStart: 0,
  limbCount: 30,
  keypointStart: 30,
  keypointCount: 18,
  /** Person segmentation mask (eroded mask_all). */
  personMask: 48,
  /** Max over the 18 keypoint channels (named "reverseKeypoint" in the official code). */
  keypointMax: 49,
} as const;

/** Side of a keypoint, for colouring: IMHN names start with L/R. */
export function imhnKeypointSide(index: number): 'left' | 'right' | 'center' {
  const name = IMHN_KEYPOINTS[index];
  if (name.startsWith('L')) return 'left';
  if (name.startsWith('R')) return 'right';
  return 'center';
}

/** Human-readable label of each of the 50 output channels. */
export function channelLabel(channel: number): string {
  if (channel < CHANNELS.keypointStart) {
    const k = channel;
    return `part ${k}: ${IMHN_KEYPOINTS[LIMB_FROM[k]]}–${IMHN_KEYPOINTS[LIMB_TO[k]]}`;
  }
  if (channel < CHANNELS.personMask) return `keypoint ${IMHN_KEYPOINTS[channel - CHANNELS.keypointStart]}`;
  if (channel === CHANNELS.personMask) return 'background: person mask';
  if (channel === CHANNELS.keypointMax) return 'background: max over keypoints';
  throw new RangeError(`channel ${channel} is outside 0..49`);
}

/**
 * The meta object: everything above in one value, so encoder, decoder, evaluator and UI take one argument.
 * Strides and sizes are the official inference/training constants (IMHN-REFERENCE §2, §4.1, §5).
 */
export const IMHN_META = {
  keypoints: IMHN_KEYPOINTS,
  limbFrom: LIMB_FROM,
  limbTo: LIMB_TO,
  flipHeatOrder: FLIP_HEAT_ORDER,
  flipPafOrder: FLIP_PAF_ORDER,
  cocoKeypoints: COCO_KEYPOINTS,
  cocoToImhn: COCO_TO_IMHN,
  imhnToCoco: IMHN_TO_COCO,
  cocoFlipOrder: COCO_FLIP_ORDER,
  cocoSigmas: COCO_SIGMAS,
  cocoSkeleton1Based: COCO_SKELETON_1BASED,
  channels: CHANNELS,
  /** Input pixels per output cell. */
  strideInputPx: 4,
  /** Network inputs are padded right/bottom to a multiple of this, with padValue. */
  padMultiplePx: 64,
  padValue: 128,
  /** Scale s resizes the image so that its height is boxSizePx·s. */
  boxSizePx: 512,
} as const;

export type PoseMeta = typeof IMHN_META;
