import { describe, expect, it } from 'vitest';
import { fullResMaps } from './fullResMaps.ts';
import type { FullResChannel } from './fullResChannel.ts';
import { REFERENCE_DEFAULTS } from '../decodeReference.ts';
import type { DecodeInput } from '../decodeCase.ts';
import { flipAverage } from '../flipAverage.ts';
import { passGeometry } from '../passGeometry.ts';
import { resizeCubic } from '../resizeCubic.ts';
import { PassUpsampler, TILE_PX as OVERLAY_TILE } from '../reference/passUpsampler.ts';
import { CHANNELS } from '../../skeleton/poseMeta.ts';
import { readFixtureCase } from '../../../../test/support/correctionCases.ts';

const f32 = Math.fround;

/** evaluate.py on whole planes: channels c0..c0+count−1 of one pass, ×4, crop, to the image (OpenCV, resizeCubic.ts). */
function officialPass(input: DecodeInput, p: number, c0: number, count: number): Float32Array {
  const { width: W, height: H } = input.image;
  const pass = input.passes[p];
  const g = passGeometry(W, H, pass.multiplier);
  const avg = flipAverage(pass.maps, pass.flippedMaps);
  const n = g.mapW * g.mapH;
  const slice = { data: avg.slice(c0 * n, (c0 + count) * n), channels: count, height: g.mapH, width: g.mapW };
  const up = resizeCubic(slice, g.paddedH, g.paddedW, { invScaleX: 4, invScaleY: 4 });
  const crop = new Float32Array(count * g.resizedH * g.resizedW);
  for (let c = 0; c < count; c++)
    for (let y = 0; y < g.resizedH; y++) {
      const from = (c * g.paddedH + y) * g.paddedW;
      crop.set(up.data.subarray(from, from + g.resizedW), (c * g.resizedH + y) * g.resizedW);
    }
  return resizeCubic({ data: crop, channels: count, height: g.resizedH, width: g.resizedW }, H, W).data;
}

/** Every pixel's value, tile by tile (fresh channel). */
function everyValue(ch: FullResChannel): Float64Array {
  const out = new Float64Array(ch.width * ch.height);
  for (let y = 0; y < ch.height; y++) for (let x = 0; x < ch.width; x++) out[y * ch.width + x] = ch.at(y, x);
  return out;
}

describe('fullResMaps (random access to the decoder’s full-resolution maps)', () => {
  it('reference: bit for bit the official whole-plane chain, mean over passes (float32 heat, float64 parts)', async () => {
    // 375×500, two passes + flip: an odd width, so OpenCV's scalar-tail columns of the 30 body parts are read
    const input = await readFixtureCase('463557');
    const { width: W, height: H } = input.image;
    const maps = fullResMaps(input, 'reference', REFERENCE_DEFAULTS);
    const nPass = input.passes.length;
    const heatGroup = CHANNELS.count - CHANNELS.keypointStart;
    const heat = input.passes.map((_, p) => officialPass(input, p, CHANNELS.keypointStart, heatGroup));
    const parts = input.passes.map((_, p) => officialPass(input, p, 0, CHANNELS.limbCount));
    const mean = (planes: Float32Array[], c: number, i: number) =>
      planes.reduce((acc, plane) => acc + f32(plane[c * W * H + i] / nPass), 0);
    for (const j of [0, 4, 9, 17]) {
      const got = everyValue(maps.heat[j]);
      let mismatches = 0;
      for (let i = 0; i < W * H; i++) if (got[i] !== f32(mean(heat, j, i))) mismatches++;
      expect(mismatches).toBe(0); // tolerance 0: OpenCV's float32 operations in its order
    }
    for (const c of [0, 17, 29]) {
      let mismatches = 0;
      for (let y = 0; y < H; y += 3)
        for (let x = 0; x < W; x += 3) if (maps.paf[c].pointAt(y, x) !== mean(parts, c, y * W + x)) mismatches++;
      expect(mismatches).toBe(0);
    }
  });

  it('fast: bit for bit what the heatmap overlay paints per pass (the fast decoder’s float32 composite), averaged', async () => {
    const input = await readFixtureCase('227000');
    const { width: W, height: H } = input.image;
    const maps = fullResMaps(input, 'fast', REFERENCE_DEFAULTS);
    const n = input.passes.length;
    for (const c of [CHANNELS.keypointStart + 9, 3]) {
      const perPass = input.passes.map((pass) => {
        const g = passGeometry(W, H, pass.multiplier);
        const plane = flipAverage(pass.maps, pass.flippedMaps).subarray(c * g.mapW * g.mapH);
        const u = new PassUpsampler(g),
          tile = new Float32Array(OVERLAY_TILE * OVERLAY_TILE),
          out = new Float32Array(W * H);
        for (let ty = 0; ty < u.tilesY; ty++)
          for (let tx = 0; tx < u.tilesX; tx++) {
            u.computeTileApprox(plane, ty, tx, tile);
            for (let y = ty * OVERLAY_TILE; y < Math.min(H, (ty + 1) * OVERLAY_TILE); y++)
              for (let x = tx * OVERLAY_TILE; x < Math.min(W, (tx + 1) * OVERLAY_TILE); x++)
                out[y * W + x] = tile[(y % OVERLAY_TILE) * OVERLAY_TILE + (x % OVERLAY_TILE)];
          }
        return out;
      });
      const ch = c < CHANNELS.keypointStart ? maps.paf[c] : maps.heat[c - CHANNELS.keypointStart];
      const got = everyValue(ch);
      let mismatches = 0;
      for (let i = 0; i < W * H; i++) {
        const want = perPass.reduce((v, plane, p) => (p === 0 ? f32(plane[i] / n) : f32(v + f32(plane[i] / n))), 0);
        if (got[i] !== want) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  });

  for (const mode of ['reference', 'fast'] as const)
    it(`${mode}: single pixels equal their tiles, and every value is ≤ its tile's bound`, async () => {
      const input = await readFixtureCase('129648'); // 640×427: partial tiles at the right and bottom edges
      const tiles = fullResMaps(input, mode, REFERENCE_DEFAULTS),
        points = fullResMaps(input, mode, REFERENCE_DEFAULTS);
      const { width: W, height: H } = input.image;
      for (const [a, b] of [
        [tiles.heat[0], points.heat[0]],
        [tiles.heat[13], points.heat[13]],
        [tiles.paf[8], points.paf[8]],
      ]) {
        let worst = -Infinity;
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const v = a.at(y, x);
            if ((x * 7 + y * 3) % 5 === 0) expect(b.pointAt(y, x)).toBe(v);
            worst = Math.max(worst, v - a.boundAt(y, x));
          }
        expect(worst).toBeLessThanOrEqual(0); // rigorous: regionPeaks skips tiles whose bound is below the threshold
      }
    });

  for (const mode of ['reference', 'fast'] as const)
    it(`${mode}: tiles computed in a batch by the kernels are the tiles computed one by one here`, async () => {
      const input = await readFixtureCase('463557'); // odd width, two passes + flip
      const batch = fullResMaps(input, mode, REFERENCE_DEFAULTS),
        single = fullResMaps(input, mode, REFERENCE_DEFAULTS);
      for (const j of [0, 7, 16]) {
        const a = batch.heat[j],
          b = single.heat[j];
        // the tiles the decoder's screen lists, and every tile of the first rows (most below any threshold)
        const n = a.tilesX * a.tilesY;
        const list = Array.from({ length: n }, (_, t) => t).filter((t) => t < 3 * a.tilesX || a.screened(t, 0.1));
        expect(list.length).toBeGreaterThan(3 * a.tilesX + 10);
        a.computeTiles(list);
        for (const t of list) expect(Array.from(a.tile(t))).toEqual(Array.from(b.tile(t))); // tolerance 0
      }
    });

  for (const mode of ['reference', 'fast'] as const)
    it(`${mode}: a limb sample off the image reads 0 and leaves the values of the pixels inside alone`, async () => {
      const input = await readFixtureCase('129648');
      const { width: W, height: H } = input.image;
      const maps = fullResMaps(input, mode, REFERENCE_DEFAULTS),
        fresh = fullResMaps(input, mode, REFERENCE_DEFAULTS);
      // (−3, y) and (W + 2, y) would share a per-pixel key or a tile with (W − 3, y − 1) and (2, y + 1)
      const off = [
        [-3, 200],
        [W + 2, 200],
        [100, -1],
        [100, H],
      ];
      for (const [x, y] of off) {
        expect(maps.sampler.value(4, x, y)).toBe(0);
        expect(maps.sampler.bound(4, x, y)).toBeGreaterThanOrEqual(0); // a bound of that 0
      }
      for (const [x, y] of [
        [W - 3, 199],
        [2, 201],
        [100, 0],
        [100, H - 1],
      ])
        expect(maps.sampler.value(4, x, y)).toBe(fresh.sampler.value(4, x, y));
    });

  it('refuses maps that do not fit the image with the decoders’ message', async () => {
    const input = await readFixtureCase('129648');
    const bad: DecodeInput = { ...input, image: { ...input.image, width: 300 } };
    expect(() => fullResMaps(bad, 'fast', REFERENCE_DEFAULTS)).toThrow(/pass 0 maps has shape .* expected/);
    expect(() => fullResMaps({ ...input, passes: [] }, 'reference', REFERENCE_DEFAULTS)).toThrow(/at least one pass/);
  });
});
