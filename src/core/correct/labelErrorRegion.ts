import { encodeTargets, keypointWindowHalf, type EncoderOptions, type EncoderPerson } from '../codec/encodeTargets.ts';
import { focalL2Loss, type FocalOptions, type Maps } from '../loss/focalL2Loss.ts';
import { roundHalfEven } from '../codec/cubicAxis.ts';
import { CHANNELS, IMHN_KEYPOINTS, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';

/** Cells of the stride-4 grid, bounds inclusive. */
export interface CellBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const NECK = IMHN_KEYPOINTS.indexOf('neck');
const SHOULDERS = [IMHN_KEYPOINTS.indexOf('Rsho'), IMHN_KEYPOINTS.indexOf('Lsho')];

/** IMHN types whose targets move with IMHN joint t (a shoulder moves the neck, the mean of the shoulders). */
export function movedTypes(t: number): number[] {
  return SHOULDERS.includes(t) ? [t, NECK] : [t];
}

/**
 * Channels whose targets can change when IMHN joint t moves: its keypoint channel (and the neck's), every body part
 * touching them, and channel 49 (max over keypoints). The other channels cancel exactly in a before/after difference.
 */
export function affectedChannels(t: number): number[] {
  const types = movedTypes(t);
  const parts = LIMB_FROM.flatMap((a, k) => (types.includes(a) || types.includes(LIMB_TO[k]) ? [k] : []));
  return [...types.map((j) => CHANNELS.keypointStart + j), ...parts, CHANNELS.keypointMax];
}

/** Cells an encoder contribution can reach beyond its joints: the keypoint window, the limb box margin, rounding. */
function reachCells(o: EncoderOptions): number {
  return keypointWindowHalf(o) + Math.ceil(o.limbMarginPx / o.strideInputPx) + 1;
}

/**
 * The cells whose targets differ between two versions of one person in which only IMHN joint t moved (or appeared):
 * the moved keypoints and the body parts touching them, both versions, widened by the encoder's reach, on a grid of
 * gridW × gridH cells.
 */
export function changeRegion(
  before: EncoderPerson,
  after: EncoderPerson,
  t: number,
  gridW: number,
  gridH: number,
  o: EncoderOptions,
): CellBox | null {
  const types = movedTypes(t);
  const xs: number[] = [],
    ys: number[] = [];
  for (const p of [before, after]) {
    const add = (j: number) => {
      if (!p.labelled[j]) return;
      xs.push(roundHalfEven(p.xy[2 * j] / o.strideInputPx));
      ys.push(roundHalfEven(p.xy[2 * j + 1] / o.strideInputPx));
    };
    types.forEach(add);
    LIMB_FROM.forEach((a, k) => {
      const b = LIMB_TO[k];
      if ((types.includes(a) || types.includes(b)) && p.labelled[a] && p.labelled[b]) [a, b].forEach(add);
    });
  }
  if (!xs.length) return null;
  const r = reachCells(o);
  // Even origins: the encoder rounds x/stride half to even, so a translation by an even number of cells keeps
  // every rounding (and every target) as on the whole grid.
  const even = (v: number) => Math.max(0, v - (((v % 2) + 2) % 2));
  const box = {
    x0: even(Math.min(...xs) - r),
    y0: even(Math.min(...ys) - r),
    x1: Math.min(gridW - 1, Math.max(...xs) + r),
    y1: Math.min(gridH - 1, Math.max(...ys) + r),
  };
  return box.x0 <= box.x1 && box.y0 <= box.y1 ? box : null;
}

/** Whether any target of person p can reach a cell of `box`: a keypoint window or a limb box touches it. */
function reaches(p: EncoderPerson, box: CellBox, o: EncoderOptions): boolean {
  const r = reachCells(o);
  const cx = (j: number) => roundHalfEven(p.xy[2 * j] / o.strideInputPx),
    cy = (j: number) => roundHalfEven(p.xy[2 * j + 1] / o.strideInputPx);
  for (let j = 0; j < IMHN_KEYPOINTS.length; j++)
    if (p.labelled[j] && cx(j) >= box.x0 - r && cx(j) <= box.x1 + r && cy(j) >= box.y0 - r && cy(j) <= box.y1 + r)
      return true;
  return LIMB_FROM.some((a, k) => {
    const b = LIMB_TO[k];
    if (!p.labelled[a] || !p.labelled[b]) return false;
    return (
      Math.max(cx(a), cx(b)) + r >= box.x0 &&
      Math.min(cx(a), cx(b)) - r <= box.x1 &&
      Math.max(cy(a), cy(b)) + r >= box.y0 &&
      Math.min(cy(a), cy(b)) - r <= box.y1
    );
  });
}

/**
 * Focal L2 (§6) per channel of `channels` over the cells of `box` (and of `mask`), between the network's maps
 * `pred` ([50, H, W]) and the encoder's targets for `persons` — encoded on the box alone (persons translated by
 * whole cells, so each cell gets the targets it has on the whole grid up to float32 rounding of the coordinates,
 * and only persons that reach the box are encoded).
 */
export function regionLosses(
  pred: Maps,
  mask: Float32Array,
  persons: readonly EncoderPerson[],
  box: CellBox,
  channels: readonly number[],
  focal: FocalOptions,
  o: EncoderOptions,
): number[] {
  const w = box.x1 - box.x0 + 1,
    h = box.y1 - box.y0 + 1;
  const dx = box.x0 * o.strideInputPx,
    dy = box.y0 * o.strideInputPx;
  const shifted = persons
    .filter((p) => reaches(p, box, o))
    .map((p) => ({ labelled: p.labelled, xy: Array.from(p.xy, (v, i) => v - (i % 2 ? dy : dx)) }));
  const target = encodeTargets(shifted, h, w, null, o);
  const cropMask = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) cropMask[y * w + x] = mask[(box.y0 + y) * pred.width + box.x0 + x];
  return channels.map((c) => {
    const p = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      const row = (c * pred.height + box.y0 + y) * pred.width + box.x0;
      p.set(pred.data.subarray(row, row + w), y * w);
    }
    const one = (data: Float32Array) => ({ data, channels: 1, height: h, width: w });
    return focalL2Loss(one(p), one(target.subarray(c * w * h, (c + 1) * w * h)), cropMask, {
      ...focal,
      channelWeights: null,
    });
  });
}
