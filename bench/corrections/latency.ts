// Latency of each correction function, on real maps, medians of repeated runs in one process with the decoder's
// own time for the same image as the in-process baseline. Used by bench/correctionsBench.ts.
import type { DecodeInput } from '../../src/core/codec/decodeCase.ts';
import { decodeFast } from '../../src/core/codec/decodeFast.ts';
import { toPoses } from '../../src/core/codec/assign/toPoses.ts';
import { correctionMaps, type CorrectionMode } from '../../src/core/correct/correctionMaps.ts';
import { snapToPeak } from '../../src/core/correct/snapToPeak.ts';
import { personSearchBox, topKPeaks } from '../../src/core/correct/topKPeaks.ts';
import { swapScore } from '../../src/core/correct/swapScore.ts';
import { labelErrorContext, labelErrorScores } from '../../src/core/correct/labelErrorScores.ts';
import { regroupWithFixedJoints } from '../../src/core/correct/regroupWithFixedJoints.ts';
import type { CocoJoints } from '../../src/core/skeleton/imhnJoints.ts';
import { COCO_TO_IMHN } from '../../src/core/skeleton/poseMeta.ts';
import { median } from '../benchStats.ts';
import { OFFICIAL_PEAK_OPTIONS } from '../../src/core/codec/assign/refineCentroid.ts';

function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

/**
 * Snap preview during drags: for each labelled joint of the person, 8 pointer moves on a circle of 8 px around
 * its label, snapping on its own channel (radius 16 px). `cold`: on fresh maps, so moves compute the tiles they
 * first touch (the first drag on a new image); `warm`: the same moves again. `worst`: cold with threshold 0, so
 * that every tile within the radius is computed and every pixel NMS-tested (no tile can be screened out).
 * Per repetition the median move and the slowest move; then medians over repetitions.
 */
export function snapLatency(input: DecodeInput, person: CocoJoints, mode: CorrectionMode, reps: number) {
  const moves = person.flatMap((j, k) =>
    j
      ? Array.from({ length: 8 }, (_, i) => ({
          k,
          x: j.x + 8 * Math.cos((i * Math.PI) / 4),
          y: j.y + 8 * Math.sin((i * Math.PI) / 4),
        }))
      : [],
  );
  const worstPeaks = { ...OFFICIAL_PEAK_OPTIONS, threshold: 0 };
  const runs = { cold: [] as number[][], warm: [] as number[][], worst: [] as number[][] };
  for (let r = 0; r < reps; r++) {
    const maps = correctionMaps(input, mode);
    const pass = (peaks = OFFICIAL_PEAK_OPTIONS) =>
      moves.map((m) => time(() => snapToPeak(maps.heat[COCO_TO_IMHN[m.k]], m, { peaks })));
    runs.cold.push(pass());
    runs.warm.push(pass());
    const fresh = correctionMaps(input, mode);
    runs.worst.push(moves.map((m) => time(() => snapToPeak(fresh.heat[COCO_TO_IMHN[m.k]], m, { peaks: worstPeaks }))));
  }
  const summary = (xs: number[][]) => ({
    median: median(xs.map(median)),
    slowest: median(xs.map((x) => Math.max(...x))),
  });
  return { moves: moves.length, cold: summary(runs.cold), warm: summary(runs.warm), worst: summary(runs.worst) };
}

/** Top-3 second guesses for every joint of a person (the UI asks for the selected one), cold and warm maps. */
export function topKLatency(input: DecodeInput, person: CocoJoints, reps: number) {
  const box = personSearchBox(person)!;
  const cold: number[] = [],
    warm: number[] = [];
  for (let r = 0; r < reps; r++) {
    const maps = correctionMaps(input, 'fast');
    const all = () => {
      for (const t of COCO_TO_IMHN) topKPeaks(maps.heat[t], box, 3);
    };
    cold.push(time(all) / COCO_TO_IMHN.length);
    warm.push(time(all) / COCO_TO_IMHN.length);
  }
  return { cold: median(cold), warm: median(warm) };
}

/** Swap score and label-error scores of every labelled person (≥ 5 joints), per person, warm maps. */
export function scoreLatency(input: DecodeInput, gt: CocoJoints[], reps: number) {
  const maps = correctionMaps(input, 'fast');
  const ctx = labelErrorContext(maps, input);
  const idx = gt.flatMap((p, i) => (p.filter(Boolean).length >= 5 ? [i] : []));
  const swap: number[] = [],
    label: number[] = [];
  for (let r = 0; r < reps; r++) {
    swap.push(
      time(() => {
        for (const i of idx) swapScore(maps, gt[i]);
      }) / idx.length,
    );
    label.push(
      time(() => {
        for (const i of idx) labelErrorScores(ctx, gt, i);
      }) / idx.length,
    );
  }
  return { persons: idx.length, swap: median(swap), label: median(label) };
}

/**
 * Regroup of a crowded image: every decoded person has one joint fixed (the user touched them all), `warm` on the
 * image's maps as the review app holds them, `cold` including building fresh maps (tiles and limb samples computed
 * anew); baseline: decodeFast of the same image in the same process.
 */
export function regroupLatency(input: DecodeInput, reps: number) {
  const out = decodeFast(input);
  const poses = toPoses(out.persons, out.peaks.flat());
  const fixed = poses.map((p, i) => {
    const k = p.joints.findIndex(Boolean);
    return { id: `p${i}`, fixed: p.joints.map((j, q) => (q === k && j ? { x: j.x + 1, y: j.y } : null)) };
  });
  const maps = correctionMaps(input, 'fast');
  regroupWithFixedJoints(maps, out.peaks, fixed);
  const warm: number[] = [],
    cold: number[] = [],
    decode: number[] = [];
  for (let r = 0; r < reps; r++) {
    warm.push(time(() => regroupWithFixedJoints(maps, out.peaks, fixed)));
    cold.push(time(() => regroupWithFixedJoints(correctionMaps(input, 'fast'), out.peaks, fixed)));
    decode.push(time(() => decodeFast(input)));
  }
  return { persons: poses.length, warm: median(warm), cold: median(cold), decode: median(decode) };
}
