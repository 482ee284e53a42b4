import type { DecodeInput } from '../decodeCase.ts';
import { CTX } from '../kernels/decodeKernels.ts';
import { decodeKernels } from '../kernels/loadKernels.ts';
import { ChannelStage, type StagePass } from '../staged/channelStage.ts';
import type { TileList } from '../staged/findPeaksStaged.ts';
import type { StagedWorkspace } from '../staged/stagedWorkspace.ts';
import { TILE_PX } from './channelValues.ts';

/**
 * One channel (0..49) of a decode input as the decoders stage it (staged/channelStage.ts: every pass copied into the
 * kernels' heap and flip-averaged there), for random access: each call stages it for a moment and gives the heap
 * back before returning (decoding is synchronous, so nothing else holds the heap meanwhile), copying out its result.
 * `passes` carry the tables of the decoder's mode; `setUp` readies a staged channel for that mode's tiles
 * (reference: exact values, this channel's scalar tails).
 */
export class StagedChannel {
  private readonly input: DecodeInput;
  private readonly passes: StagePass[];
  private readonly c: number;
  private readonly setUp: (stage: ChannelStage) => void;
  /** The flip-averaged planes, copied out at the first staging. */
  private copied: Float32Array[] | null = null;

  constructor(input: DecodeInput, passes: StagePass[], c: number, setUp: (stage: ChannelStage) => void = () => {}) {
    this.input = input;
    this.passes = passes;
    this.c = c;
    this.setUp = setUp;
  }

  private run<T>(f: (w: StagedWorkspace) => T): T {
    const k = decodeKernels();
    const mark = k.heap.used;
    try {
      const stage = new ChannelStage(k, this.input, this.passes);
      const fast = this.passes.flatMap((p) => (p.fast ? [p.fast] : []));
      const rows = Math.max(0, ...fast.map((t) => t.tileRows));
      stage.stage(this.c);
      this.copied ??= this.passes.map((_, p) => stage.planeView(p).slice());
      this.setUp(stage);
      return f({ k, stage, fast, scratch: k.heap.alloc(rows * 32 + 256) });
    } finally {
      k.heap.release(mark);
    }
  }

  /** The flip-averaged [mapH, mapW] float32 plane of every pass (copies, kept). */
  planes(): Float32Array[] {
    return this.copied ?? this.run(() => this.copied!);
  }

  /**
   * The tiles a decoder's peak screen lists (`screen` makes its listTiles on the staged channel: fastScreen,
   * referenceScreen): one byte per 8×8 tile of the image, row-major, 1 = listed.
   */
  mask(screen: (w: StagedWorkspace) => (b: TileList) => number): Uint8Array {
    return this.run((w) => {
      const listTiles = screen(w);
      const { k, stage } = w;
      const list = k.heap.alloc(Math.ceil(stage.tiles / 4) * 16);
      const n = listTiles({ list, tilesX: stage.tilesX, tiles: stage.tiles });
      const mask = new Uint8Array(stage.tiles);
      const ids = k.heap.i32.subarray(list / 4, list / 4 + n);
      for (let i = 0; i < n; i++) mask[ids[i]] = 1;
      return mask;
    });
  }

  /** Tiles (8×8 float32 values each, row-major) computed by the kernels (`computeTiles`: the decoder's values). */
  tiles(list: readonly number[]): Float32Array[] {
    return this.run(({ k, stage, scratch }) => {
      const at = k.heap.alloc(list.length * 4);
      k.heap.i32.set(list, at / 4);
      k.computeTiles(stage.ctx, at, list.length, scratch);
      const pool = k.heap.i32[(stage.ctx + CTX.pool) / 4] / 4,
        n = TILE_PX * TILE_PX;
      return list.map((t) => k.heap.f32.slice(pool + t * n, pool + (t + 1) * n));
    });
  }
}
