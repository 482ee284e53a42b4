import { CHANNELS, IMHN_META } from '../../skeleton/poseMeta.ts';
import type { DecodeMode } from '../decodeMode.ts';
import type { DecodeInput } from '../decodeCase.ts';
import type { DecodeOptions } from '../decodeReference.ts';
import { inputGeometries } from '../passGeometry.ts';
import { officialLimbOptions, type LimbOptions, type LimbSampler } from '../assign/scoreLimbs.ts';
import { roundHalfEven } from '../cubicAxis.ts';
import { decodeKernels } from '../kernels/loadKernels.ts';
import { fastPassTables } from '../fast/fastTables.ts';
import { exactPassTables } from '../reference/exactTables.ts';
import { exactChannelValues, fastChannelValues, type ChannelValues } from './channelValues.ts';
import { FullResChannel } from './fullResChannel.ts';
import { StagedChannel } from './stagedChannel.ts';
import type { StagePass } from '../staged/channelStage.ts';
import { referenceScreen } from '../reference/referenceScreen.ts';
import { FAST_SEED_RATIO } from '../decodeFast.ts';
import { fastScreen, type FastScreenOptions } from '../fast/findPeaksFast.ts';

/**
 * Fast mode's screen for random access: the decoder's rule (tiles whose nearby cells reach 0.8·thre1 on average over
 * passes) without its bound for noisy maps, which limits a whole decode's work; corrections read one box at a time.
 */
const CORRECTION_SCREEN: FastScreenOptions = { seedRatio: FAST_SEED_RATIO, maxSeeds: Number.POSITIVE_INFINITY };

export type FullResMode = DecodeMode;

/**
 * The full-resolution maps a decode reads, in image space (pixels, integer = pixel centre), with random access:
 * the 18 keypoint channels (float32, as find_peaks sees them), the 30 body-part channels (float64 in reference mode,
 * float32 in fast mode) and the limb sampler over them (rounded pixels, as find_connections samples). Values are
 * those of the decoder of `mode`, bit for bit; tiles and flip averages are computed on first read and kept, so one
 * is built per image and reused (core/correct).
 */
export interface FullResMaps {
  width: number;
  height: number;
  heat: FullResChannel[];
  paf: FullResChannel[];
  sampler: LimbSampler;
  limbOptions: LimbOptions;
}

/** DecodeInputError when the input's maps do not fit its image (as the decoders). */
export function fullResMaps(input: DecodeInput, mode: FullResMode, o: DecodeOptions): FullResMaps {
  const { width: W, height: H } = input.image;
  const geometries = inputGeometries(input);
  const k = decodeKernels();
  // Tables are built by the kernels and kept per geometry (the decoders' LRUs); the kernels' heap is not held.
  const exact = geometries.map((g) => exactPassTables(g, k, o.simdLanes));
  const fast = mode === 'fast' ? geometries.map((g) => fastPassTables(g, k)) : [];
  const most = (key: 'a' | 'i' | 'c') => Math.max(...exact.map((e) => e.buffers8[key]));
  const buffers = {
    bufA: new Float32Array(most('a')),
    bufI: new Float32Array(most('i')),
    bufC: new Float32Array(most('c')),
  };
  const stagePasses: StagePass[] =
    mode === 'fast' ? fast.map((t) => ({ g: t.g, fast: t })) : exact.map((e) => ({ g: e.g, exact: e }));
  /** `group`: the channels the official code resized together (20 heat, 30 body parts) set OpenCV's scalar tails. */
  const channel = (c: number, groupChannel: number, groupChannels: number, asFloat32: boolean) => {
    const tails = exact.map((e) => e.tails(groupChannel, groupChannels));
    const staged = new StagedChannel(input, stagePasses, c, (stage) => {
      if (mode === 'fast') return;
      stage.setMode(1);
      stage.setTails(tails);
    });
    const planes = () => staged.planes();
    const values: ChannelValues =
      mode === 'fast'
        ? fastChannelValues(planes, fast, exact)
        : exactChannelValues(planes, exact, tails, asFloat32, buffers);
    // Keypoint channels: scanned for peaks through the decoder's own screen, many tiles at once by the kernels.
    if (c >= CHANNELS.keypointStart) {
      values.screen = (threshold) =>
        staged.mask((w) =>
          mode === 'fast' ? fastScreen(w, threshold, CORRECTION_SCREEN) : referenceScreen(w, exact, threshold),
        );
      values.tiles = (list) => staged.tiles(list);
    }
    return new FullResChannel(values, W, H);
  };
  // evaluate.py resizes channels 30..49 (keypoints, person mask, keypoint max) as one 20-channel array
  const heatGroup = CHANNELS.count - CHANNELS.keypointStart;
  const heat = IMHN_META.keypoints.map((_, j) => channel(CHANNELS.keypointStart + j, j, heatGroup, true));
  const paf = Array.from({ length: CHANNELS.limbCount }, (_, c) => channel(c, c, CHANNELS.limbCount, false));
  const limbOptions = { ...officialLimbOptions(H), ...o.limbs };
  const sampler: LimbSampler = {
    value: (c, x, y) => paf[c].pointAt(roundHalfEven(y), roundHalfEven(x)),
    // An exact value costs ~200 float32 operations: the bound rules samples out first. A fast value is cheaper than
    // a bound.
    bound:
      mode === 'fast'
        ? () => Number.POSITIVE_INFINITY
        : (c, x, y) => paf[c].boundAt(roundHalfEven(y), roundHalfEven(x)),
  };
  return { width: W, height: H, heat, paf, sampler, limbOptions };
}
