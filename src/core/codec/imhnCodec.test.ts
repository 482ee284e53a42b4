import { describe, expect, it } from 'vitest';
import { DECODE_MODES, imhnCodec, isDecodeMode } from './imhnCodec.ts';
import type { DecodeInput } from './decodeCase.ts';

/** A standing person facing the camera, IMHN order (nose, neck, Rsho, …, Lear), image = network-input pixels. */
const POSE: [number, number][] = [
  [128, 60],
  [128, 80],
  [108, 82],
  [100, 110],
  [96, 138],
  [148, 82],
  [156, 110],
  [160, 138],
  [116, 140],
  [114, 180],
  [112, 220],
  [140, 140],
  [142, 180],
  [144, 220],
  [122, 54],
  [134, 54],
  [116, 58],
  [140, 58],
];

describe('imhnCodec', () => {
  const { meta, channels } = imhnCodec;
  const grid = 256 / meta.strideInputPx;
  const maps = imhnCodec.encode([{ xy: POSE.flat(), labelled: POSE.map(() => true) }], grid, grid, null);
  const input: DecodeInput = {
    image: { id: 7, width: 256, height: 256 },
    passes: [{ multiplier: 1, maps: { data: maps, shape: [channels.count, grid, grid] }, flippedMaps: null }],
  };

  it('one meta for both sides: the channel layout is the meta’s, encode makes every channel of it', () => {
    expect(imhnCodec.channels).toBe(meta.channels);
    expect(channels.keypointCount).toBe(meta.keypoints.length);
    expect(channels.limbCount).toBe(meta.limbFrom.length);
    expect(maps.length).toBe(channels.count * grid * grid);
  });

  for (const mode of DECODE_MODES)
    it(`round trip in ${mode} mode: decode(encode(person)) is the person, every COCO joint within 0.05 px`, () => {
      const out = imhnCodec.decode(input, mode);
      expect(out.results).toHaveLength(1);
      const kp = out.results[0].keypoints;
      expect(out.results[0].image_id).toBe(7);
      meta.cocoToImhn.forEach((imhn, coco) => {
        const [x, y] = POSE[imhn];
        expect(kp[3 * coco + 2], meta.cocoKeypoints[coco]).toBeGreaterThan(0);
        // Tolerance: 0.05 px (measured 0.005 px: the Gaussians are sampled at cell centres, the refinement recovers them).
        expect(Math.hypot(kp[3 * coco] - x, kp[3 * coco + 1] - y), meta.cocoKeypoints[coco]).toBeLessThan(0.05);
      });
    });

  it('refuses a mode it does not have, by name', () => {
    expect(isDecodeMode('fast')).toBe(true);
    expect(isDecodeMode('exact')).toBe(false);
    expect(() => imhnCodec.decode(input, 'exact' as never)).toThrow(/reference or fast, got "exact"/);
  });
});
