import type { Peak } from './assign/peak.ts';
import type { DecodeInput } from './decodeCase.ts';
import { assembleConnections, REFERENCE_DEFAULTS, type DecodeOptions, type DecodeOutput } from './decodeReference.ts';
import { inputGeometries } from './passGeometry.ts';
import { officialLimbOptions } from './assign/scoreLimbs.ts';
import type { DecodeKernels } from './kernels/decodeKernels.ts';
import { decodeKernels } from './kernels/loadKernels.ts';
import { fastPassTables } from './fast/fastTables.ts';
import { ChannelStage } from './staged/channelStage.ts';
import type { StagedWorkspace } from './staged/stagedWorkspace.ts';
import { findPeaksFast, type FastScreenOptions } from './fast/findPeaksFast.ts';
import { scoreLimbsStaged } from './staged/scoreLimbsStaged.ts';

/** The fast screen lists a tile where its passes' nearby cells reach this fraction of thre1 on average. */
export const FAST_SEED_RATIO = 0.8;

export interface FastDecodeOptions extends DecodeOptions {
  screen: FastScreenOptions;
  /** The kernels to run on (default: WebAssembly where available, see loadKernels.ts). */
  kernels?: DecodeKernels;
}

export const FAST_DEFAULTS: FastDecodeOptions = {
  ...REFERENCE_DEFAULTS,
  // Maps of people have about one local maximum per person and channel (≤ 9 per map for the official model's
  // fixtures, ≤ 45 on a screen grid for the bundled model on its synthetic images); noise has hundreds.
  screen: { seedRatio: FAST_SEED_RATIO, maxSeeds: 4 * REFERENCE_DEFAULTS.peaks.maxPerType },
};

/**
 * `fast` mode: the same assignment as `reference` (find_connections, find_people, COCO conversion) on the same
 * full-resolution function of the maps — flip average, ×4 cubic, crop, cubic to the image, mean over passes — with
 * the two resizes composed into one 8-tap kernel per axis and evaluated in float32 by the kernels of
 * kernels/decodeKernels.ts, only where it is read: 8×8 tiles the screen lists (findPeaksFast.ts) with the NMS's
 * neighbours, and single pixels for limb samples. Differences from `reference`: float rounding (≈1e-6) and peaks
 * where no pass's cells come near the threshold (the screen is a heuristic; every peak reported is a true peak).
 */
export function decodeFast(input: DecodeInput, options: Partial<FastDecodeOptions> = {}): DecodeOutput {
  const { o, k, stage, peaks } = stagedPeaks(input, options);
  const connections = scoreLimbsStaged(
    k,
    stage,
    peaks,
    { ...officialLimbOptions(input.image.height), ...o.limbs },
    null,
  );
  return assembleConnections(input.image.id, peaks, connections, o.assemble);
}

/**
 * The candidates `decodeFast` assigns (find_peaks with its screen and its bound of `peaks.maxPerType` per type),
 * without the assignment: for callers that assign them themselves (core/correct's regrouping). Image pixels.
 */
export function decodeFastPeaks(input: DecodeInput, options: Partial<FastDecodeOptions> = {}): Peak[][] {
  return stagedPeaks(input, options).peaks;
}

function stagedPeaks(input: DecodeInput, options: Partial<FastDecodeOptions>) {
  const o: FastDecodeOptions = { ...FAST_DEFAULTS, ...options };
  const k = o.kernels ?? decodeKernels();
  const fast = inputGeometries(input).map((g) => fastPassTables(g, k));
  k.heap.release(0);
  const stage = new ChannelStage(
    k,
    input,
    fast.map((t) => ({ g: t.g, fast: t })),
  );
  const w: StagedWorkspace = { k, stage, fast, scratch: k.heap.alloc(Math.max(...fast.map((t) => t.tileRows)) * 32) };
  return { o, k, stage, peaks: findPeaksFast(w, o.peaks, o.screen) };
}
