import { assemble } from '../codec/decodeReference.ts';
import type { FullResMaps } from '../codec/fullRes/fullResMaps.ts';
import { OFFICIAL_ASSEMBLE_OPTIONS, type AssembleOptions, type PersonRow } from '../codec/assign/assemblePersons.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/assign/refineCentroid.ts';
import { refineCentroid } from '../codec/assign/refineCentroid.ts';
import { numberPeaks, type Peak } from '../codec/assign/peak.ts';
import type { Connection } from '../codec/assign/scoreLimbs.ts';
import { toPoses, type Pose } from '../codec/assign/toPoses.ts';
import { roundHalfEven } from '../codec/cubicAxis.ts';
import type { CocoJoints } from '../skeleton/imhnJoints.ts';
import { COCO_TO_IMHN, IMHN_KEYPOINTS, IMHN_TO_COCO, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';

/** A person whose joints a person fixed: 17 COCO joints in image pixels, null = free (the assignment decides). */
export interface FixedPerson {
  id: string;
  fixed: CocoJoints;
}

export interface RegroupOptions {
  /**
   * A fixed joint takes the place of the nearest candidate of its type within this distance (image pixels): that
   * peak is the joint the person meant, and no one else can have it. 8 px ≈ one σ of the training Gaussian
   * (9 input px) at scale 1; a joint farther from every peak becomes a candidate of its own.
   */
  captureRadiusPx: number;
  peaks: PeakOptions;
  assemble: AssembleOptions;
}

export const DEFAULT_REGROUP_OPTIONS: RegroupOptions = {
  captureRadiusPx: 8,
  peaks: OFFICIAL_PEAK_OPTIONS,
  assemble: OFFICIAL_ASSEMBLE_OPTIONS,
};

/** A joint of a regrouped fixed person: where it is, its candidate score, and whether it was held fixed. */
export interface RegroupedJoint {
  x: number;
  y: number;
  score: number;
  fixed: boolean;
}

export interface RegroupResult {
  /** The fixed persons, in input order: their 17 COCO joints after regrouping (the fixed ones exactly as given). */
  fixed: { id: string; joints: (RegroupedJoint | null)[]; score: number }[];
  /** The other persons the assignment forms (the decoder's pruning applied), as the decoder returns them. */
  free: Pose[];
  /**
   * The assignment itself: candidates (decoded peaks, fixed joints in the place of those they took), the accepted
   * limb connections per limb, the rows (fixed persons first), and for each candidate id the fixed person holding it
   * (−1: free).
   */
  candidates: Peak[];
  connections: (Connection[] | null)[];
  rows: PersonRow[];
  fixedOf: number[];
}

interface Candidate {
  x: number;
  y: number;
  score: number;
  /** Index into the fixed persons, −1 for a free peak. */
  seed: number;
}

/**
 * Regroup: the paper's greedy assignment (find_connections, find_people) re-run for an image with the joints a
 * person fixed held fixed, so that the other joints of those persons, and neighbours that had taken them,
 * re-associate. `peaks` are the decoder's candidates for the image (DecodeOutput.peaks), `maps` its full-resolution
 * maps. Each fixed joint replaces the candidate it captures (or joins the candidates); every fixed person starts the
 * assembly as a row of its own that keeps its fixed joints (see assemblePersons' seeds), and limb pairs that would
 * tie two fixed persons together, or a fixed joint to a rival of another fixed joint of its person, are excluded.
 * With no fixed persons this is exactly the decoder's assignment.
 */
export function regroupWithFixedJoints(
  maps: FullResMaps,
  peaks: readonly Peak[][],
  fixed: readonly FixedPerson[],
  options: Partial<RegroupOptions> = {},
): RegroupResult {
  const o = { ...DEFAULT_REGROUP_OPTIONS, ...options };
  const perType = candidatesWithFixed(maps, peaks, fixed, o);
  const numbered = numberPeaks(perType.map((list) => list.map(({ x, y, score }) => ({ x, y, score }))));
  const seedOf = perType.flat().map((c) => c.seed);
  const seeds = fixed.map((_, s) => seedRow(numbered, perType, s));
  const hasFixed = (s: number, t: number) => seeds[s].ids[t] >= 0;
  const pairAllowed = (k: number, a: Peak, b: Peak) => {
    const sa = seedOf[a.id],
      sb = seedOf[b.id];
    if (sa >= 0 && sb >= 0) return sa === sb;
    if (sa >= 0) return !hasFixed(sa, LIMB_TO[k]);
    if (sb >= 0) return !hasFixed(sb, LIMB_FROM[k]);
    return true;
  };
  const out = assemble(0, numbered, maps.sampler, maps.limbOptions, o.assemble, { seeds, pairAllowed });
  const candidates = numbered.flat();
  const rows = out.persons;
  const fixedOut = fixed.map((p, s) => ({
    id: p.id,
    score: rows[s].total > 0 ? 1 - 1 / rows[s].total : 0,
    joints: COCO_TO_IMHN.map((t) => {
      const id = rows[s].ids[t];
      if (id < 0) return null;
      const c = candidates[id];
      return { x: c.x, y: c.y, score: c.score, fixed: seedOf[id] === s };
    }),
  }));
  return {
    fixed: fixedOut,
    free: toPoses(rows.slice(fixed.length), candidates),
    candidates,
    connections: out.connections,
    rows,
    fixedOf: seedOf,
  };
}

/** The decoder's candidates per IMHN type, with each fixed joint in the place of the peak it captures. */
function candidatesWithFixed(
  maps: FullResMaps,
  peaks: readonly Peak[][],
  fixed: readonly FixedPerson[],
  o: RegroupOptions,
): Candidate[][] {
  const perType: Candidate[][] = peaks.map((list) => list.map((p) => ({ x: p.x, y: p.y, score: p.score, seed: -1 })));
  fixed.forEach((p) => {
    if (p.fixed.length !== COCO_TO_IMHN.length)
      throw new RangeError(`person ${p.id}: ${p.fixed.length} joints, expected ${COCO_TO_IMHN.length}`);
  });
  for (let t = 0; t < IMHN_KEYPOINTS.length; t++) {
    const k = IMHN_TO_COCO[t];
    const joints = fixed.flatMap((p, s) => {
      const j = k >= 0 ? p.fixed[k] : null;
      if (j && !(Number.isFinite(j.x) && Number.isFinite(j.y)))
        throw new RangeError(`person ${p.id}: joint ${k} is not a finite point`);
      return j ? [{ s, x: j.x, y: j.y }] : [];
    });
    // Nearest pairs first, so two fixed joints of one type never fight over a peak by input order.
    const pairs = joints.flatMap((j, f) =>
      perType[t].map((c, i) => ({ f, i, d: Math.hypot(c.x - j.x, c.y - j.y) })).filter((q) => q.d <= o.captureRadiusPx),
    );
    pairs.sort((a, b) => a.d - b.d);
    const taken = new Set<number>(),
      placed = new Set<number>();
    for (const q of pairs) {
      if (taken.has(q.i) || placed.has(q.f)) continue;
      taken.add(q.i);
      placed.add(q.f);
      const j = joints[q.f];
      perType[t][q.i] = { x: j.x, y: j.y, score: perType[t][q.i].score, seed: j.s };
    }
    joints.forEach((j, f) => {
      if (placed.has(f)) return;
      const ch = maps.heat[t];
      const px = Math.min(ch.width - 1, Math.max(0, roundHalfEven(j.x))),
        py = Math.min(ch.height - 1, Math.max(0, roundHalfEven(j.y)));
      perType[t].push({ x: j.x, y: j.y, score: refineCentroid(ch, px, py, o.peaks).score, seed: j.s });
    });
    // find_peaks numbers candidates row-major; a fixed joint of its own takes its place in that order.
    const key = (c: Candidate) => roundHalfEven(c.y) * maps.width + roundHalfEven(c.x);
    perType[t] = perType[t]
      .map((c, i) => ({ c, i }))
      .sort((a, b) => key(a.c) - key(b.c) || a.i - b.i)
      .map(({ c }) => c);
  }
  return perType;
}

/** The seed row of fixed person s: its fixed candidates, limb scores 0 (no limb attached them). */
function seedRow(numbered: Peak[][], perType: Candidate[][], s: number): PersonRow {
  const n = IMHN_KEYPOINTS.length;
  const row: PersonRow = {
    ids: new Array(n).fill(-1),
    limbScores: new Array(n).fill(-1),
    total: 0,
    count: 0,
    maxLength: 0,
  };
  perType.forEach((list, t) => {
    list.forEach((c, i) => {
      if (c.seed !== s) return;
      row.ids[t] = numbered[t][i].id;
      row.limbScores[t] = 0;
      row.total += c.score;
      row.count++;
    });
  });
  // The limb-length check compares new limbs with the row's longest; with no limb between fixed joints there is no
  // scale yet, so none is imposed.
  let longest = 0;
  LIMB_FROM.forEach((a, k) => {
    const ia = row.ids[a],
      ib = row.ids[LIMB_TO[k]];
    if (ia < 0 || ib < 0) return;
    const pa = numbered[a].find((p) => p.id === ia)!,
      pb = numbered[LIMB_TO[k]].find((p) => p.id === ib)!;
    longest = Math.max(longest, Math.hypot(pa.x - pb.x, pa.y - pb.y));
  });
  row.maxLength = longest > 0 ? longest : Number.POSITIVE_INFINITY;
  return row;
}
