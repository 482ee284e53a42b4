import { IMHN_META } from '../../skeleton/poseMeta.ts';
import type { Peak } from '../assign/peak.ts';
import { selectConnections, type Connection, type LimbOptions, type PairCandidate } from '../assign/scoreLimbs.ts';
import { tileCount, tileIndexTable, type FastWorkspace } from './fastChannel.ts';

/**
 * find_connections (IMHN-REFERENCE §4.3) for all limbs in fast mode, limb by limb: its body-part channel is staged,
 * the pair loop — linspace samples, rounding, both criteria, the distance prior — runs in the kernels (scorePairs)
 * on values memoised per pixel; the stable sort and the greedy selection are scoreLimbs.ts's. Null for special_k.
 */
export function scoreLimbsFast(w: FastWorkspace, peaks: Peak[][], o: LimbOptions): (Connection[] | null)[] {
  const { k, stage } = w;
  const heap = k.heap;
  const { tiles } = tileCount(w);
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
  const records = heap.alloc(most * 40);
  k.host = { alloc: (bytes) => heap.alloc(bytes) };
  return limbFrom.map((a, c) => {
    const b = limbTo[c];
    if (peaks[a].length === 0 || peaks[b].length === 0) return null;
    const mark = heap.used;
    stage.stage(c);
    const index = tileIndexTable(k, tiles);
    const n = k.scorePairs(
      stage.ctx,
      index,
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
    );
    const r = heap.f64.slice(records / 8, records / 8 + 5 * n);
    heap.release(mark); // the memo of this channel is not read again
    const cands: PairCandidate[] = [];
    for (let q = 0; q < n; q++)
      cands.push({ i: r[5 * q], j: r[5 * q + 1], s: r[5 * q + 2], norm: r[5 * q + 3], rank: r[5 * q + 4] });
    return selectConnections(cands, peaks[a], peaks[b]);
  });
}
