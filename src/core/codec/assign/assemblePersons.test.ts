import { describe, expect, it } from 'vitest';
import { assemblePersons, OFFICIAL_ASSEMBLE_OPTIONS, type PersonRow } from './assemblePersons.ts';
import type { Connection } from './scoreLimbs.ts';

// Three keypoint types and two limbs: 0→1 then 1→2. Candidates 0,1 of type 0; 2,3 of type 1; 4,5 of type 2.
const FROM = [0, 1],
  TO = [1, 2];
const candScore = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
const conn = (idA: number, idB: number, score: number, length = 10): Connection => ({
  idA,
  idB,
  score,
  i: 0,
  j: 0,
  length,
});
const seed = (ids: number[]): PersonRow => ({
  ids,
  limbScores: ids.map((id) => (id >= 0 ? 0 : -1)),
  total: ids.filter((id) => id >= 0).length * 0.9,
  count: ids.filter((id) => id >= 0).length,
  maxLength: Number.POSITIVE_INFINITY,
});
const run = (connections: Connection[][], seeds: PersonRow[] = []) =>
  assemblePersons(connections, FROM, TO, candScore, 3, OFFICIAL_ASSEMBLE_OPTIONS, seeds);

describe('assemblePersons with seeds (persons whose joints a person fixed)', () => {
  it('without seeds: the official rule grows rows from the A end only', () => {
    expect(run([[conn(0, 2, 0.8)], [conn(2, 4, 0.8)]]).map((p) => p.ids)).toEqual([[0, 2, 4]]);
  });

  it('a free joint that reaches a seed’s joint joins the seed, whichever end it is', () => {
    const [p] = run([[conn(0, 2, 0.8)], []], [seed([-1, 2, -1])]);
    expect(p.ids).toEqual([0, 2, -1]);
    expect(p.count).toBe(2);
    expect(p.limbScores[0]).toBe(0.8);
    expect(p.total).toBeCloseTo(0.9 + 0.9 + 0.8, 12);
  });

  it('a locked joint is never replaced, even by a better limb', () => {
    // The seed holds candidates 2 and 4; limb 1→2 proposes candidate 5 for its type-2 slot, from its own 2.
    const rows = run([[], [conn(2, 5, 0.9)]], [seed([-1, 2, 4])]);
    expect(rows[0].ids).toEqual([-1, 2, 4]);
  });

  it('two seeds never merge; a free row merges into a seed', () => {
    const two = run([[conn(0, 2, 0.9)], []], [seed([0, -1, -1]), seed([-1, 2, -1])]);
    expect(two.map((p) => p.ids)).toEqual([
      [0, -1, -1],
      [-1, 2, -1],
    ]);
    const merged = run([[conn(1, 3, 0.9)], [conn(3, 4, 0.9)]], [seed([-1, -1, 4])]);
    expect(merged.map((p) => p.ids)).toEqual([[1, 3, 4]]);
    // The merge tolerance compares the link with the rows' limbs; a locked joint has none (its 0 does not count).
    const weak = run([[conn(1, 3, 0.9)], [conn(3, 4, 0.5)]], [seed([-1, -1, 4])]);
    expect(weak.map((p) => p.ids)).toEqual([
      [-1, -1, 4],
      [1, 3, -1],
    ]);
  });

  it('seeds are never pruned and stay first', () => {
    const rows = run([[conn(1, 3, 0.9)], []], [seed([-1, -1, 5])]);
    expect(rows.map((p) => p.ids)).toEqual([
      [-1, -1, 5],
      [1, 3, -1],
    ]);
  });
});
