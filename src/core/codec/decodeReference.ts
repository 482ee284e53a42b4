import { CHANNELS, IMHN_META } from '../skeleton/poseMeta.ts';
import { DecodeInputError, type DecodeInput } from './decodeCase.ts';
import { checkMapShape, passGeometry } from './passGeometry.ts';
import { flipAverage, flippedSource } from './flipAverage.ts';
import { FullResChannel, PassUpsampler, TileArena } from './fullResChannel.ts';
import { findPeaksReference, OFFICIAL_PEAK_OPTIONS, type PeakOptions } from './findPeaksReference.ts';
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
import { roundHalfEven } from './cubicAxis.ts';

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

const USED_CHANNELS = Array.from({ length: CHANNELS.keypointStart + CHANNELS.keypointCount }, (_, c) => c);

/** Buffers reused across calls (decoding is synchronous, so one workspace per module is safe). */
const workspace = { arena: new TileArena(), flip: [] as Float32Array[] };

/**
 * Upsamplers (axis tables, composite kernels, scratch) depend only on the geometry; photos of one dataset share a
 * few sizes and the scales are fixed, so a small LRU cache saves rebuilding them on every image.
 */
const upsamplerCache = new Map<string, PassUpsampler>();
const UPSAMPLER_CACHE_SIZE = 16;
function cachedUpsampler(g: ReturnType<typeof passGeometry>, simdLanes: number): PassUpsampler {
  const key = `${g.imageW}x${g.imageH}@${g.multiplier}/${simdLanes}`;
  let u = upsamplerCache.get(key);
  if (u) upsamplerCache.delete(key);
  else u = new PassUpsampler(g, simdLanes);
  upsamplerCache.set(key, u);
  if (upsamplerCache.size > UPSAMPLER_CACHE_SIZE) upsamplerCache.delete(upsamplerCache.keys().next().value!);
  return u;
}

function flipBuffer(i: number, length: number): Float32Array {
  if (!workspace.flip[i] || workspace.flip[i].length < length) workspace.flip[i] = new Float32Array(length);
  return workspace.flip[i].subarray(0, length);
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
 * official outputs on identical maps. Full-resolution maps are evaluated lazily, tile by tile, with exact values
 * wherever a threshold could be reached (see fullResChannel.ts), which is what makes it fast.
 */
export function decodeReference(input: DecodeInput, options: Partial<DecodeOptions> = {}): DecodeOutput {
  const { width, height } = input.image;
  if (width * height > REFERENCE_MAX_PIXELS) {
    throw new DecodeInputError(
      `reference mode works at the full image resolution, as the official code does; ${width}×${height} ` +
        `(${((width * height) / 1e6).toFixed(1)} MP) is over its ${REFERENCE_MAX_PIXELS / 1e6} MP limit: use fast mode for images this large`,
    );
  }
  return decodeMaps(input, { ...REFERENCE_DEFAULTS, ...options }, null);
}

/** Largest image (pixels) decoded in reference mode: its work and bound caches grow with the image area. */
export const REFERENCE_MAX_PIXELS = 64e6;

/**
 * The shared pipeline. `approx` null: exact values + rigorous screening (reference); otherwise float64 composite
 * values and tiles selected by stride-4 cells ≥ seedRatio × threshold (fast).
 */
export function decodeMaps(input: DecodeInput, o: DecodeOptions, approx: { seedRatio: number } | null): DecodeOutput {
  const { width: W, height: H, id } = input.image;
  if (input.passes.length === 0) throw new DecodeInputError('a decode input needs at least one pass');
  const ups: PassUpsampler[] = [];
  const avg: Float32Array[] = [];
  input.passes.forEach((pass, i) => {
    const g = passGeometry(W, H, pass.multiplier);
    checkMapShape(g, pass.maps.shape, `pass ${i} maps`);
    if (pass.flippedMaps) checkMapShape(g, pass.flippedMaps.shape, `pass ${i} flipped maps`);
    ups.push(cachedUpsampler(g, o.simdLanes));
    // Averaging is memory-bound: average only channels that are read; fast mode averages on the fly instead.
    if (!approx)
      avg.push(
        pass.flippedMaps
          ? flipAverage(pass.maps, pass.flippedMaps, flipBuffer(i, pass.maps.data.length), USED_CHANNELS)
          : pass.maps.data,
      );
  });
  workspace.arena.reset();
  const plane = (a: Float32Array, c: number, p: number) =>
    a.subarray(c * ups[p].g.mapH * ups[p].g.mapW, (c + 1) * ups[p].g.mapH * ups[p].g.mapW);
  /** Channel c at full resolution. Fast mode reads the raw and mirrored flip planes itself (no averaged copy). */
  const channel = (
    c: number,
    groupStart: number,
    groupSize: number,
    asFloat32: boolean,
    seedThreshold: number | null,
  ) => {
    if (!approx)
      return new FullResChannel(
        ups,
        avg.map((a, p) => plane(a, c, p)),
        c - groupStart,
        groupSize,
        asFloat32,
        workspace.arena,
      );
    const planes = input.passes.map((pass, p) => plane(pass.maps.data, c, p));
    const mirrored = input.passes.map((pass, p) =>
      pass.flippedMaps ? plane(pass.flippedMaps.data, flippedSource(c), p) : null,
    );
    return new FullResChannel(ups, planes, c - groupStart, groupSize, asFloat32, workspace.arena, {
      seedThreshold,
      mirrored,
    });
  };

  const seed = approx ? approx.seedRatio * o.peaks.threshold : null;
  const heat = IMHN_META.keypoints.map((_, j) =>
    channel(CHANNELS.keypointStart + j, CHANNELS.keypointStart, 20, true, seed),
  );
  const peaks = findPeaksReference(heat, o.peaks);
  const paf = Array.from({ length: CHANNELS.limbCount }, (_, k) => channel(k, 0, 30, false, null));
  const limbOptions = { ...officialLimbOptions(H), ...o.limbs };
  const sampler: LimbSampler = {
    value: (k, x, y) => paf[k].pointAt(roundHalfEven(y), roundHalfEven(x)),
    bound: approx
      ? () => Infinity
      : (k, x, y) => paf[k].boundAt(roundHalfEven(y), roundHalfEven(x), limbOptions.sampleThreshold),
  };
  return assemble(id, peaks, sampler, limbOptions, o.assemble);
}

/** The shared tail of both modes: limb scoring, person assembly and COCO conversion. */
export function assemble(
  imageId: number,
  peaks: Peak[][],
  sampler: LimbSampler,
  limbs: LimbOptions,
  assembleOptions: AssembleOptions,
): DecodeOutput {
  const { limbFrom, limbTo } = IMHN_META;
  const connections = limbFrom.map((a, k) => {
    const b = limbTo[k];
    if (peaks[a].length === 0 || peaks[b].length === 0) return null;
    return scoreLimb(k, peaks[a], peaks[b], sampler, limbs);
  });
  return assembleConnections(imageId, peaks, connections, assembleOptions);
}

/** find_people and the COCO conversion on scored limbs (null = limb in special_k). */
export function assembleConnections(
  imageId: number,
  peaks: Peak[][],
  connections: (Connection[] | null)[],
  assembleOptions: AssembleOptions,
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
  );
  return { peaks, connections, persons, results: toCocoResults(imageId, persons, candidates) };
}
