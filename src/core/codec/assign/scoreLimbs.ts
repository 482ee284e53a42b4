import type { Peak } from './peak.ts';
import { roundHalfEven } from '../cubicAxis.ts';

/** Reads a body-part map at a point of image space. */
export interface LimbSampler {
  /** Value of body-part channel k at image point (x, y) (the sampler decides rounding/interpolation). */
  value(k: number, x: number, y: number): number;
  /** An upper bound of value(k, x, y) that is cheap to get; +Infinity is always allowed. */
  bound(k: number, x: number, y: number): number;
}

/** One accepted limb: [idA, idB, score, i, j, length] of evaluate.py's `connection_all[k]` rows. */
export interface Connection {
  idA: number;
  idB: number;
  score: number;
  i: number;
  j: number;
  length: number;
}

export interface LimbOptions {
  /** Sample threshold thre2 (>), official 0.1. */
  sampleThreshold: number;
  /** connect_ration: fraction of samples that must exceed sampleThreshold, 0.8. */
  connectRatio: number;
  /** mid_num: maximum number of samples, 20. */
  maxSamples: number;
  /** demo_image.py uses > for criterion 1; evaluate.py uses ≥ (the reference). */
  strictRatio: boolean;
  /** Distance prior penalises limbs longer than priorLengthPx / 2 (evaluate passes the image height). */
  priorLengthPx: number;
}

export const officialLimbOptions = (imageHeight: number): LimbOptions => ({
  sampleThreshold: 0.1,
  connectRatio: 0.8,
  maxSamples: 20,
  strictRatio: false,
  priorLengthPx: imageHeight,
});

/**
 * `find_connections` for one limb (IMHN-REFERENCE §4.3): score every (A_i, B_j) pair (`scorePair`); keep pairs
 * passing both criteria; sort by 0.5·s + 0.25·A.score + 0.25·B.score (stable, descending); greedy one-to-one
 * selection. `allowed` (not in the official code; regrouping with fixed joints) excludes pairs before selection.
 */
export function scoreLimb(
  k: number,
  candA: Peak[],
  candB: Peak[],
  sampler: LimbSampler,
  o: LimbOptions,
  allowed: ((i: number, j: number) => boolean) | null = null,
): Connection[] {
  const cands: PairCandidate[] = [];
  for (let i = 0; i < candA.length; i++) {
    const a = candA[i];
    for (let j = 0; j < candB.length; j++) {
      const b = candB[j];
      if (allowed && !allowed(i, j)) continue;
      const pair = scorePair(k, a, b, sampler, o);
      if (pair)
        cands.push({
          i,
          j,
          s: pair.score,
          norm: pair.length,
          rank: 0.5 * pair.score + 0.25 * a.score + 0.25 * b.score,
        });
    }
  }
  return selectConnections(cands, candA, candB);
}

/** A pair that passed both criteria of find_connections: indices into A and B, score s, length, rank. */
export interface PairCandidate {
  i: number;
  j: number;
  s: number;
  norm: number;
  rank: number;
}

/**
 * The end of find_connections: candidates (in (i, j) order) sorted by rank descending — stable, like Python's
 * sorted — then the greedy one-to-one selection, stopping at min(|A|, |B|) connections.
 */
export function selectConnections(cands: PairCandidate[], candA: Peak[], candB: Peak[]): Connection[] {
  cands.sort((p, q) => q.rank - p.rank); // Array.prototype.sort is stable, like Python's sorted
  const usedA = new Uint8Array(candA.length),
    usedB = new Uint8Array(candB.length);
  const out: Connection[] = [];
  const limit = Math.min(candA.length, candB.length);
  for (const c of cands) {
    if (usedA[c.i] || usedB[c.j]) continue;
    usedA[c.i] = 1;
    usedB[c.j] = 1;
    out.push({ idA: candA[c.i].id, idB: candB[c.j].id, score: c.s, i: c.i, j: c.j, length: c.norm });
    if (out.length >= limit) break;
  }
  return out;
}

const pairXs = new Float64Array(64),
  pairYs = new Float64Array(64);

/**
 * The score find_connections gives the limb from point a to point b on body-part map k (image pixels): the mean of
 * n = min(round(‖b − a‖ + 1), maxSamples) samples along np.linspace(a, b, n) plus the distance prior
 * min(priorLength / 2 / ‖b − a‖ − 1, 0), and the limb length; null when the pair fails a criterion (≥ 80 % of the
 * samples above thre2, s > 0) or a = b. A pair whose samples cannot pass criterion 1 (known from `bound`) is
 * rejected without reading exact values, which cannot change the result.
 */
export function scorePair(
  k: number,
  a: { x: number; y: number },
  b: { x: number; y: number },
  sampler: LimbSampler,
  o: LimbOptions,
): { score: number; length: number } | null {
  const xs = o.maxSamples <= pairXs.length ? pairXs : new Float64Array(o.maxSamples),
    ys = o.maxSamples <= pairYs.length ? pairYs : new Float64Array(o.maxSamples);
  const dx = b.x - a.x,
    dy = b.y - a.y;
  const norm = Math.sqrt(dx * dx + dy * dy);
  if (norm === 0) return null;
  const n = Math.min(roundHalfEven(norm + 1), o.maxSamples);
  linspace(a.x, b.x, n, xs);
  linspace(a.y, b.y, n, ys);
  const need = o.connectRatio * n;
  const passes = (count: number) => (o.strictRatio ? count > need : count >= need);
  let possible = n;
  for (let t = 0; t < n && passes(possible); t++) if (!(sampler.bound(k, xs[t], ys[t]) > o.sampleThreshold)) possible--;
  if (!passes(possible)) return null;
  let sum = 0,
    count = 0,
    t = 0;
  for (; t < n; t++) {
    const v = sampler.value(k, xs[t], ys[t]);
    sum += v;
    if (v > o.sampleThreshold) count++;
    else if (!passes(count + (n - t - 1))) break; // criterion 1 can no longer hold: the pair is rejected anyway
  }
  if (t < n) return null;
  const s = sum / n + Math.min((0.5 * o.priorLengthPx) / norm - 1, 0);
  return passes(count) && s > 0 ? { score: s, length: norm } : null;
}

/** numpy.linspace(start, stop, n) with endpoint: start + t·step, the last value exactly stop. */
export function linspace(start: number, stop: number, n: number, out: Float64Array): void {
  if (n === 1) {
    out[0] = start;
    return;
  }
  const div = n - 1;
  const step = (stop - start) / div;
  if (step === 0) for (let t = 0; t < n; t++) out[t] = (t / div) * (stop - start) + start;
  else for (let t = 0; t < n; t++) out[t] = t * step + start;
  out[n - 1] = stop;
}
