import { describe, expect, it } from 'vitest';
import { renderScene, type SceneOptions } from './renderScene.ts';

const opts: SceneOptions = { width: 160, height: 120, minPersons: 2, maxPersons: 5, templates: [] };

describe('renderScene', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = renderScene(42, opts),
      b = renderScene(42, opts),
      c = renderScene(43, opts);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(a.annotations).toEqual(b.annotations);
    expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
  });
  it('annotations follow COCO: v ∈ {0,1,2}, (0,0) when v = 0, area = silhouette = RLE ones, joints labelled', () => {
    let hidden = 0,
      visible = 0;
    for (let seed = 0; seed < 25; seed++) {
      const s = renderScene(seed, opts);
      for (const a of s.annotations) {
        let n = 0;
        for (let k = 0; k < 17; k++) {
          const [x, y, v] = a.keypoints.slice(3 * k, 3 * k + 3);
          expect([0, 1, 2]).toContain(v);
          if (v === 0) expect([x, y]).toEqual([0, 0]);
          else {
            n++;
            expect(x).toBeGreaterThanOrEqual(-0.5);
            expect(y).toBeLessThan(opts.height);
          }
          if (v === 1) hidden++;
          if (v === 2) visible++;
        }
        expect(a.num_keypoints).toBe(n);
        const ones = a.segmentation.counts.filter((_, i) => i % 2 === 1).reduce((x, y) => x + y, 0);
        const total = a.segmentation.counts.reduce((x, y) => x + y, 0);
        expect(ones).toBe(a.area);
        expect(total).toBe(opts.width * opts.height);
        expect(a.area).toBeGreaterThan(0);
        expect(a.bbox[2] * a.bbox[3]).toBeGreaterThanOrEqual(a.area);
      }
    }
    expect(hidden).toBeGreaterThan(0); // occlusion is reflected in the flags
    expect(visible).toBeGreaterThan(hidden);
  });
});
