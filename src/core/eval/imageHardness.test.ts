import { describe, expect, it } from 'vitest';
import { imageHardness, type CocoJoints } from './imageHardness.ts';
import { encodeTargets } from '../codec/encodeTargets.ts';
import { COCO_TO_IMHN } from '../skeleton/poseMeta.ts';

const person: CocoJoints = Array.from({ length: 17 }, (_, k) => ({ x: 100 + (k % 4) * 20, y: 60 + k * 10 }));

describe('imageHardness', () => {
  it('is ~0 when the maps are what the encoder makes for the pose, larger when a joint is elsewhere, larger still with no person found', () => {
    // Maps exactly as the network should have produced them for `person` (multiplier 1, 256×256 image → 64×64 maps).
    const xy = new Float64Array(36),
      labelled = new Array<boolean>(18).fill(false);
    COCO_TO_IMHN.forEach((imhn, coco) => {
      xy[2 * imhn] = person[coco]!.x;
      xy[2 * imhn + 1] = person[coco]!.y;
      labelled[imhn] = true;
    });
    xy[2] = (xy[4] + xy[10]) / 2;
    xy[3] = (xy[5] + xy[11]) / 2;
    labelled[1] = true;
    const perfect = { data: encodeTargets([{ xy, labelled }], 64, 64), shape: [50, 64, 64] };
    const passes = [{ multiplier: 1, maps: perfect, flippedMaps: null }];
    const exact = imageHardness(256, 256, passes, [person]);
    const moved = imageHardness(256, 256, passes, [person.map((j, k) => (k === 9 && j ? { x: j.x + 40, y: j.y } : j))]);
    const nobody = imageHardness(
      256,
      256,
      [{ multiplier: 1, maps: { data: new Float32Array(50 * 64 * 64), shape: [50, 64, 64] }, flippedMaps: null }],
      [person],
    );
    expect(exact).toBeLessThan(1e-9);
    expect(moved).toBeGreaterThan(exact);
    expect(nobody).toBeGreaterThan(moved);
  });
});
