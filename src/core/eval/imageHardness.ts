import type { DecodePass } from '../codec/decodeCase.ts';
import { flipAverage } from '../codec/flipAverage.ts';
import { passGeometry } from '../codec/passGeometry.ts';
import { encodeTargets } from '../codec/encodeTargets.ts';
import { focalL2Loss, OFFICIAL_FOCAL, type FocalOptions } from '../loss/focalL2Loss.ts';
import { toEncoderPerson, type CocoJoints } from '../skeleton/imhnJoints.ts';

export type { CocoJoints };

/**
 * How far the network's output for an image is from what it should have produced for the corrected poses
 * (PRODUCT.md: review queue ordered by focal-L2 hardness): for the first pass, the targets of the GT encoder (§5)
 * for the persons mapped into that pass's input pixels, against the flip-averaged stride-4 maps, focal L2 (§6)
 * over the cells of the resized image (padding excluded), divided by the number of those cells.
 */
export function imageHardness(
  imageW: number,
  imageH: number,
  passes: DecodePass[],
  persons: CocoJoints[],
  o: FocalOptions = OFFICIAL_FOCAL,
): number {
  const pass = passes[0];
  const g = passGeometry(imageW, imageH, pass.multiplier);
  const encoded = persons.map((joints) => toEncoderPerson(joints, pass.multiplier));
  const target = encodeTargets(encoded, g.mapH, g.mapW);
  const pred = flipAverage(pass.maps, pass.flippedMaps);
  const mask = new Float32Array(g.mapH * g.mapW);
  const validH = Math.ceil(g.resizedH / 4),
    validW = Math.ceil(g.resizedW / 4);
  for (let y = 0; y < validH; y++) for (let x = 0; x < validW; x++) mask[y * g.mapW + x] = 1;
  const maps = (data: Float32Array) => ({ data, channels: 50, height: g.mapH, width: g.mapW });
  return focalL2Loss(maps(pred), maps(target), mask, o) / (validH * validW);
}
