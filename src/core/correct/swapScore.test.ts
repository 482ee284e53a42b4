import { describe, expect, it } from 'vitest';
import { assignmentScore, SWAP_FLAG_MARGIN, swapFlags, swapScore } from './swapScore.ts';
import { correctionMaps } from './correctionMaps.ts';
import { decodeReference } from '../codec/decodeReference.ts';
import { scorePair } from '../codec/assign/scoreLimbs.ts';
import { toPoses } from '../codec/assign/toPoses.ts';
import { COCO_FLIP_ORDER, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';
import {
  DECODE_CASE_IDS,
  gtPersons,
  perfectMapsInput,
  readFixtureCase,
  standingPerson,
} from '../../../test/support/correctionCases.ts';

const swap = <T>(joints: readonly T[]) => COCO_FLIP_ORDER.map((src) => joints[src]);

describe('swapScore', () => {
  it("scores a decoded person's limbs exactly as find_connections scored them (12 fixture cases)", async () => {
    let n = 0;
    for (const id of DECODE_CASE_IDS) {
      const input = await readFixtureCase(id);
      const out = decodeReference(input);
      const maps = correctionMaps(input, 'reference');
      const cands = out.peaks.flat();
      out.connections.forEach((conns, k) => {
        (conns ?? []).forEach((c) => {
          const s = scorePair(k, cands[c.idA], cands[c.idB], maps.sampler, maps.limbOptions);
          expect(s).toEqual({ score: c.score, length: c.length });
          n++;
        });
      });
      for (const row of out.persons) {
        const joints = row.ids.map((id) => (id >= 0 ? cands[id] : null));
        const score = assignmentScore(maps, joints);
        const own = LIMB_FROM.filter((a, k) =>
          (out.connections[k] ?? []).some((c) => c.idA === row.ids[a] && c.idB === row.ids[LIMB_TO[k]]),
        );
        expect(score.acceptedLimbs).toBeGreaterThanOrEqual(own.length);
        // Candidate scores at the candidates' pixels: the decoder's 5×5 means where a refined peak rounds back to
        // its NMS pixel, a neighbouring pixel's mean where the refinement moved it by more than ½ px (≤ 0.05 each).
        const cand = row.ids.reduce((s, id) => s + (id >= 0 ? cands[id].score : 0), 0);
        expect(Math.abs(score.joints - cand)).toBeLessThan(0.05 * row.count);
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('every labelled and decoded person of the fixtures scores lower swapped; every swapped one clearly higher', async () => {
    let worstClean = 0,
      weakestSwap = Number.POSITIVE_INFINITY;
    for (const id of DECODE_CASE_IDS) {
      const input = await readFixtureCase(id);
      const out = decodeReference(input);
      const maps = correctionMaps(input, 'reference');
      const persons = [...gtPersons(Number(id)), ...toPoses(out.persons, out.peaks.flat()).map((p) => p.joints)];
      for (const p of persons) {
        if (!COCO_FLIP_ORDER.some((s, k) => s !== k && p[k])) continue;
        worstClean = Math.max(worstClean, swapScore(maps, p).ratio);
      }
      for (const p of gtPersons(Number(id))) {
        if (p.filter(Boolean).length < 4) continue;
        weakestSwap = Math.min(weakestSwap, swapScore(maps, swap(p)).ratio);
      }
    }
    expect(worstClean).toBeLessThan(1);
    expect(weakestSwap).toBeGreaterThan(1 + SWAP_FLAG_MARGIN);
  });

  it('flags the swapped person of an image first, and only it', () => {
    const a = standingPerson(),
      b = standingPerson(130);
    const maps = correctionMaps(perfectMapsInput([a, b]), 'fast');
    const flags = swapFlags(maps, [
      { id: 'a', joints: a },
      { id: 'b', joints: swap(b) },
      { id: 'nose-only', joints: a.map((j, k) => (k === 0 ? j : null)) },
    ]);
    expect(flags.map((f) => [f.id, f.flagged])).toEqual([
      ['b', true],
      ['a', false],
    ]);
    const s = swapScore(maps, swap(b));
    expect(s.ratio).toBe(s.swapped.total / s.original.total);
    expect(swapScore(maps, b).original).toEqual(s.swapped);
  });

  it('an empty map gives ratio 1 and no flag', () => {
    const maps = correctionMaps(perfectMapsInput([]), 'fast');
    const flags = swapFlags(maps, [{ id: 'a', joints: standingPerson() }]);
    expect(flags[0].score.ratio).toBe(1);
    expect(flags[0].flagged).toBe(false);
  });
});
