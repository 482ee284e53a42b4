import { IMHN_META } from '../../skeleton/poseMeta.ts';
import type { Peak } from '../assign/peak.ts';
import { selectConnections, type Connection, type LimbOptions, type PairCandidate } from '../assign/scoreLimbs.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { ChannelStage } from './channelStage.ts';

/**
 * find_connections (IMHN-REFERENCE §4.3) for all limbs, limb by limb on its staged body-part channel: the pair
 * loop — linspace samples, rounding, both criteria, the distance prior — runs in the kernels on values memoised per
 * pixel (scoreLimbs.ts's operations in its order); the stable sort and the greedy selection are scoreLimbs.ts's.
 * `exact` (reference mode) prepares the staged channel for exact values and selects scorePairsExact; null = fast.
 * Null connections for limbs in special_k.
 */
export function scoreLimbsStaged(
  k: DecodeKernels,
  stage: ChannelStage,
  peaks: Peak[][],
  o: LimbOptions,
  exact: ((channel: number) => void) | null,
): (Connection[] | null)[] {
  const heap = k.heap;
  const cand = peaks.map((list) => {
    const at = heap.alloc(list.length * 24);
    list.forEach((p, i) => {
      heap.f64[at / 8 + 3 * i] = p.x;
      heap.f64[at / 8 + 3 * i + 1] = p.y;
      heap.f64[at / 8 + 3 * i + 2] = p.score;
    });
    return at;
  });
  const { limbFrom, limbTo } = IMHN_META;
  const most = Math.max(...limbFrom.map((a, c) => peaks[a].length * peaks[limbTo[c]].length));
  const records = heap.alloc(most * 40),
    scratch = heap.alloc(64 * 4);
  const score = exact ? k.scorePairsExact : k.scorePairs;
  return limbFrom.map((a, c) => {
    const b = limbTo[c];
    if (peaks[a].length === 0 || peaks[b].length === 0) return null;
    stage.stage(c);
    exact?.(c);
    const n = score(
      stage.ctx,
      cand[a],
      peaks[a].length,
      cand[b],
      peaks[b].length,
      records,
      o.sampleThreshold,
      o.connectRatio,
      o.maxSamples,
      o.strictRatio ? 1 : 0,
      o.priorLengthPx,
      scratch,
    );
    const r = heap.f64.slice(records / 8, records / 8 + 5 * n);
    const cands: PairCandidate[] = [];
    for (let q = 0; q < n; q++)
      cands.push({ i: r[5 * q], j: r[5 * q + 1], s: r[5 * q + 2], norm: r[5 * q + 3], rank: r[5 * q + 4] });
    return selectConnections(cands, peaks[a], peaks[b]);
  });
}
