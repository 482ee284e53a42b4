import type { Peak } from '../../core/codec/assign/peak.ts';
import { decodeFastPeaks } from '../../core/codec/decodeFast.ts';
import { correctionMaps, type CorrectionMaps } from '../../core/correct/correctionMaps.ts';
import { labelErrorContext, type LabelErrorContext } from '../../core/correct/labelErrorScores.ts';
import { regroupWithFixedJoints } from '../../core/correct/regroupWithFixedJoints.ts';
import { isLabelled, type PersonRecord } from '../../core/edit/poseRecords.ts';
import type { CocoJoints } from '../../core/skeleton/imhnJoints.ts';
import type { OverlayMaps } from './imageSession.ts';

/**
 * What the corrections read for the open image, built from the maps the overlay already holds as the decoder's
 * input without flip passes — a one-pass run's flip-averaged pass (stride-4), a several-pass run's passes each
 * flip-averaged (`OverlayMaps.passes`, combined over the scales by the decoder's own full-resolution code) —: the
 * decoder's full-resolution channels in fast mode, its candidates for regrouping and the label-error comparison
 * context. Each is built on first use and kept with the maps (a WeakMap: it goes when the image leaves the cache).
 */
export interface ImageCorrectionInputs {
  maps: CorrectionMaps;
  peaks(): Peak[][];
  labelContext(): LabelErrorContext;
  /**
   * Computes ahead what a first regroup would (the candidates, and the map values the assignment reads: the
   * decoder's assignment with nothing held), so that Shift+G pays only for itself; once per image (false: done).
   */
  warmUp(): boolean;
}

const built = new WeakMap<OverlayMaps, ImageCorrectionInputs>();

export function correctionInputsOf(overlay: OverlayMaps, width: number, height: number): ImageCorrectionInputs {
  let hit = built.get(overlay);
  if (hit) return hit;
  const input = {
    image: { id: 0, width, height },
    passes: overlay.passes
      ? overlay.passes.map((p) => ({
          multiplier: p.multiplier,
          maps: { data: p.data, shape: p.shape },
          flippedMaps: null,
        }))
      : [
          {
            multiplier: overlay.multiplier,
            maps: { data: overlay.data, shape: [overlay.channels, overlay.h, overlay.w] },
            flippedMaps: null,
          },
        ],
  };
  const maps = correctionMaps(input, 'fast');
  let peaks: Peak[][] | null = null,
    ctx: LabelErrorContext | null = null,
    warm = false;
  hit = {
    maps,
    // the decoder's own candidates (its bound on noisy maps included), as regrouping starts from them
    peaks: () => (peaks ??= decodeFastPeaks(input)),
    labelContext: () => (ctx ??= labelErrorContext(maps, input)),
    warmUp() {
      if (warm) return false;
      warm = true;
      regroupWithFixedJoints(maps, this.peaks(), []);
      return true;
    },
  };
  built.set(overlay, hit);
  return hit;
}

/** A person's labelled joints (v = 1, 2) as the corrections take them: image pixels, null = not labelled. */
export function labelledJoints(p: PersonRecord): CocoJoints {
  return p.joints.map((j) => (j && isLabelled(j) ? { x: j.x, y: j.y } : null));
}
