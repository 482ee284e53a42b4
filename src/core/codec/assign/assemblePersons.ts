import type { Connection } from './scoreLimbs.ts';

/** A person of `find_people`: per keypoint type the candidate id (−1 absent) and the score of the limb that attached it. */
export interface PersonRow {
  ids: number[];
  limbScores: number[];
  /** Row 18 of the official subset: sum of candidate scores and limb scores. */
  total: number;
  /** Row 19 column 0: number of keypoints. */
  count: number;
  /** Row 19 column 1: longest attached limb (px). */
  maxLength: number;
}

export interface AssembleOptions {
  /** len_rate: a limb is rejected if its length ≥ lenRate × the person's longest limb. 16. */
  lenRate: number;
  /** connection_tole: merge only if s ≥ tolerance × smallest stored limb score. 0.7. */
  mergeTolerance: number;
  /** Pruning: minimum keypoints (evaluate 2, demo 4) and minimum total/count (0.45). */
  minParts: number;
  minMeanScore: number;
  /** demo_image.py also length-checks the "same B, better score" branch; evaluate.py does not. */
  lengthCheckOnRescore: boolean;
}

export const OFFICIAL_ASSEMBLE_OPTIONS: AssembleOptions = {
  lenRate: 16,
  mergeTolerance: 0.7,
  minParts: 2,
  minMeanScore: 0.45,
  lengthCheckOnRescore: false,
};

/**
 * `find_people` of evaluate.py (IMHN-REFERENCE §4.4), limb by limb in order, then pruning.
 * `connections[k]` is null for limbs in special_k (one endpoint type had no peaks). `candScore[id]` is the
 * candidate's peak score. Keypoint count is per person row; the number of types is taken from limbFrom/limbTo.
 *
 * `seeds` (none in the official code) are rows present before the first limb — persons whose joints a person fixed
 * (core/correct/regroupWithFixedJoints.ts). Their candidates are locked: never replaced by another candidate and
 * never taken by another row; two seeds never merge; a limb that reaches a seed's joint from a free candidate
 * attaches that candidate (the official rule only grows rows from the A end, which is enough when rows start at the
 * neck, not when they start at a wrist); locked slots do not count in the merge tolerance; seeds are never pruned
 * and stay the first rows, in order. Without seeds the function is the official one.
 */
export function assemblePersons(
  connections: (Connection[] | null)[],
  limbFrom: readonly number[],
  limbTo: readonly number[],
  candScore: ArrayLike<number>,
  nTypes: number,
  o: AssembleOptions = OFFICIAL_ASSEMBLE_OPTIONS,
  seeds: readonly PersonRow[] = [],
): PersonRow[] {
  const nSeeds = seeds.length;
  const locked = new Set<number>(seeds.flatMap((r) => r.ids.filter((id) => id >= 0)));
  let persons: PersonRow[] = seeds.map((r) => ({ ...r, ids: [...r.ids], limbScores: [...r.limbScores] }));
  for (let k = 0; k < connections.length; k++) {
    const conns = connections[k];
    if (conns === null) continue;
    const a = limbFrom[k],
      b = limbTo[k];
    for (const c of conns) {
      const owners: number[] = [];
      for (let p = 0; p < persons.length; p++) {
        if (persons[p].ids[a] === c.idA || persons[p].ids[b] === c.idB) {
          if (owners.length < 2) owners.push(p); // evaluate.py prints and ignores a third owner
        }
      }
      if (owners.length === 1) {
        if (owners[0] < nSeeds) attachToSeed(persons[owners[0]], a, b, c, candScore, o, locked);
        else attachToOne(persons[owners[0]], b, c, candScore, o);
      } else if (owners.length === 2) {
        if (owners[1] < nSeeds) continue; // two persons a person fixed stay apart
        const merged = mergeTwo(persons[owners[0]], persons[owners[1]], c, o, locked);
        if (merged) persons.splice(owners[1], 1);
      } else {
        const row: PersonRow = {
          ids: new Array(nTypes).fill(-1),
          limbScores: new Array(nTypes).fill(-1),
          total: candScore[c.idA] + candScore[c.idB] + c.score,
          count: 2,
          maxLength: c.length,
        };
        row.ids[a] = c.idA;
        row.limbScores[a] = c.score;
        row.ids[b] = c.idB;
        row.limbScores[b] = c.score;
        persons.push(row);
      }
    }
  }
  persons = persons.filter((p, i) => i < nSeeds || !(p.count < o.minParts || p.total / p.count < o.minMeanScore));
  return persons;
}

function attachToOne(p: PersonRow, b: number, c: Connection, candScore: ArrayLike<number>, o: AssembleOptions): void {
  const setB = () => {
    p.ids[b] = c.idB;
    p.limbScores[b] = c.score;
    p.total += candScore[c.idB] + c.score;
    p.maxLength = Math.max(c.length, p.maxLength);
  };
  if (p.ids[b] === -1 && o.lenRate * p.maxLength > c.length) {
    setB();
    p.count += 1;
  } else if (p.ids[b] !== c.idB) {
    if (p.limbScores[b] >= c.score) return;
    if (o.lenRate * p.maxLength <= c.length) return;
    p.total -= candScore[p.ids[b]] + p.limbScores[b];
    setB();
  } else if (p.limbScores[b] <= c.score) {
    if (o.lengthCheckOnRescore && o.lenRate * p.maxLength <= c.length) return;
    p.total -= candScore[p.ids[b]] + p.limbScores[b];
    setB();
  }
}

/** attachToOne for a seed row: its locked joints stay; a free A reaching its joint B joins it. */
function attachToSeed(
  p: PersonRow,
  a: number,
  b: number,
  c: Connection,
  candScore: ArrayLike<number>,
  o: AssembleOptions,
  locked: ReadonlySet<number>,
): void {
  if (p.ids[b] === c.idB && p.ids[a] === -1 && o.lenRate * p.maxLength > c.length) {
    p.ids[a] = c.idA;
    p.limbScores[a] = c.score;
    p.total += candScore[c.idA] + c.score;
    p.count += 1;
    p.maxLength = Math.max(c.length, p.maxLength);
    return;
  }
  if (p.ids[b] !== c.idB && locked.has(p.ids[b])) return;
  attachToOne(p, b, c, candScore, o);
}

/** found == 2: merge p2 into p1 when disjoint and the link is strong enough; returns whether p2 must be deleted. */
function mergeTwo(
  p1: PersonRow,
  p2: PersonRow,
  c: Connection,
  o: AssembleOptions,
  locked: ReadonlySet<number>,
): boolean {
  let minScore = Infinity;
  for (let t = 0; t < p1.ids.length; t++) {
    if (p1.ids[t] >= 0 && p2.ids[t] >= 0) return false; // overlapping: nothing happens with remove_recon = 0
    if (p1.ids[t] >= 0 && !locked.has(p1.ids[t])) minScore = Math.min(minScore, p1.limbScores[t]);
    if (p2.ids[t] >= 0) minScore = Math.min(minScore, p2.limbScores[t]);
  }
  if (c.score < o.mergeTolerance * minScore || o.lenRate * p1.maxLength <= c.length) return false;
  for (let t = 0; t < p1.ids.length; t++) {
    p1.ids[t] += p2.ids[t] + 1;
    p1.limbScores[t] += p2.limbScores[t] + 1;
  }
  p1.total += p2.total + c.score;
  p1.count += p2.count;
  p1.maxLength = Math.max(c.length, p1.maxLength);
  return true;
}
