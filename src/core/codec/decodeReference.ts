import { CHANNELS, IMHN_META } from '../skeleton/poseMeta.ts';
import { DecodeInputError, type DecodeInput } from './decodeCase.ts';
import { inputGeometries } from './passGeometry.ts';
import { exactPassTables } from './reference/exactTables.ts';
import { referenceScreen } from './reference/referenceScreen.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from './assign/refineCentroid.ts';
import { findPeaksStaged } from './staged/findPeaksStaged.ts';
import type { StagedWorkspace } from './staged/stagedWorkspace.ts';
import type { DecodeKernels } from './kernels/decodeKernels.ts';
import { decodeKernels } from './kernels/loadKernels.ts';
import { ChannelStage } from './staged/channelStage.ts';
import { scoreLimbsStaged } from './staged/scoreLimbsStaged.ts';
import {
  officialLimbOptions,
  scoreLimb,
  type Connection,
  type LimbSampler,
  type LimbOptions,
} from './assign/scoreLimbs.ts';
import {
  assemblePersons,
  OFFICIAL_ASSEMBLE_OPTIONS,
  type AssembleOptions,
  type PersonRow,
} from './assign/assemblePersons.ts';
import { toCocoResults, type CocoResult } from './assign/toCocoResults.ts';
import type { Peak } from './assign/peak.ts';

/** Everything a decode produces; intermediates follow the official data layout so they can be tested. */
export interface DecodeOutput {
  peaks: Peak[][];
  /** Per limb k: accepted connections, or null for limbs in special_k. */
  connections: (Connection[] | null)[];
  persons: PersonRow[];
  results: CocoResult[];
}

export interface DecodeOptions {
  peaks: PeakOptions;
  limbs: Partial<LimbOptions>;
  assemble: AssembleOptions;
  /** Floats per OpenCV SIMD step in the vertical resize pass (4: SSE builds; see resizeCubic.ts). */
  simdLanes: number;
}

export const REFERENCE_DEFAULTS: DecodeOptions = {
  peaks: OFFICIAL_PEAK_OPTIONS,
  limbs: {},
  assemble: OFFICIAL_ASSEMBLE_OPTIONS,
  simdLanes: 4,
};

/**
 * `reference` mode: the official post-network chain of evaluate.py (flip average, ×4 cubic upsample, crop, cubic
 * resize to the image, mean over scales, find_peaks, find_connections, find_people, COCO conversion), giving the
 * official outputs on identical maps. One channel at a time is flip-averaged into the kernels' heap; keypoint maps
 * are evaluated in 8×8 tiles with OpenCV's exact values (exactTile.ts) where a rigorous bound says the threshold
 * could be reached, and wherever the NMS or the refinement reads; limb samples are exact values at single pixels
 * (exactPoint.ts). All of it runs in the kernels (kernels/decodeKernels.ts), WebAssembly where available.
 */
export function decodeReference(
  input: DecodeInput,
  options: Partial<DecodeOptions & { kernels: DecodeKernels }> = {},
): DecodeOutput {
  const { width, height } = input.image;
  if (width * height > REFERENCE_MAX_PIXELS) {
    throw new DecodeInputError(
      `reference mode works at the full image resolution, as the official code does; ${width}×${height} ` +
        `(${((width * height) / 1e6).toFixed(1)} MP) is over its ${REFERENCE_MAX_PIXELS / 1e6} MP limit: use fast mode for images this large`,
    );
  }
  const o: DecodeOptions = { ...REFERENCE_DEFAULTS, ...options };
  const { height: H, id } = input.image;
  const geometries = inputGeometries(input);
  const k = options.kernels ?? decodeKernels();
  const ups = geometries.map((g) => exactPassTables(g, k, o.simdLanes));
  k.heap.release(0);
  const stage = new ChannelStage(
    k,
    input,
    ups.map((u) => ({ g: u.g, exact: u })),
  );
  stage.setMode(1);
  const w: StagedWorkspace = { k, stage, fast: [], scratch: k.heap.alloc(64 * 4) };
  // The heat slice (20 channels) was resized together, the body parts (30) likewise: that sets OpenCV's scalar tails.
  const peaks = findPeaksStaged(w, o.peaks, referenceScreen(w, ups, o.peaks.threshold), (j) =>
    stage.setTails(ups.map((u) => u.tails(j, 20))),
  );
  const limbs = { ...officialLimbOptions(H), ...o.limbs };
  const connections = scoreLimbsStaged(k, stage, peaks, limbs, (c) =>
    stage.setTails(ups.map((u) => u.tails(c, CHANNELS.limbCount))),
  );
  return assembleConnections(id, peaks, connections, o.assemble);
}

/** Largest image (pixels) decoded in reference mode: its work and bound caches grow with the image area. */
export const REFERENCE_MAX_PIXELS = 64e6;

/**
 * Constraints on the assignment (not in the official code): persons whose joints a person fixed, as seed rows of
 * find_people, and the limb pairs find_connections may consider (see core/correct/regroupWithFixedJoints.ts).
 */
export interface AssignConstraints {
  seeds: PersonRow[];
  pairAllowed: (k: number, a: Peak, b: Peak) => boolean;
}

/**
 * The assignment on any limb sampler (the decoders score limbs in the kernels instead): find_connections
 * (scoreLimb), find_people and the COCO conversion, with optional constraints (regrouping with fixed joints).
 */
export function assemble(
  imageId: number,
  peaks: Peak[][],
  sampler: LimbSampler,
  limbs: LimbOptions,
  assembleOptions: AssembleOptions,
  constraints: AssignConstraints | null = null,
): DecodeOutput {
  const { limbFrom, limbTo } = IMHN_META;
  const connections = limbFrom.map((a, k) => {
    const b = limbTo[k];
    if (peaks[a].length === 0 || peaks[b].length === 0) return null;
    const allowed = constraints ? (i: number, j: number) => constraints.pairAllowed(k, peaks[a][i], peaks[b][j]) : null;
    return scoreLimb(k, peaks[a], peaks[b], sampler, limbs, allowed);
  });
  return assembleConnections(imageId, peaks, connections, assembleOptions, constraints?.seeds);
}

/** find_people and the COCO conversion on scored limbs (null = limb in special_k); `seeds`: see assemblePersons. */
export function assembleConnections(
  imageId: number,
  peaks: Peak[][],
  connections: (Connection[] | null)[],
  assembleOptions: AssembleOptions,
  seeds?: readonly PersonRow[],
): DecodeOutput {
  const candidates = peaks.flat();
  const candScore = Float64Array.from(candidates, (p) => p.score);
  const persons = assemblePersons(
    connections,
    IMHN_META.limbFrom,
    IMHN_META.limbTo,
    candScore,
    IMHN_META.keypoints.length,
    assembleOptions,
    seeds,
  );
  return { peaks, connections, persons, results: toCocoResults(imageId, persons, candidates) };
}
