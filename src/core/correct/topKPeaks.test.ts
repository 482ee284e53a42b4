import { describe, expect, it } from 'vitest';
import { personSearchBox, topKPeaks } from './topKPeaks.ts';
import { correctionMaps } from './correctionMaps.ts';
import { decodeReference } from '../codec/decodeReference.ts';
import { DECODE_CASE_IDS, readFixtureCase } from '../../../test/support/correctionCases.ts';

describe('topKPeaks', () => {
  it("over the whole image, are the decoder's own peaks of the channel, highest first (12 fixture cases)", async () => {
    for (const id of DECODE_CASE_IDS) {
      const input = await readFixtureCase(id);
      const out = decodeReference(input);
      const maps = correctionMaps(input, 'reference');
      const all = { x0: 0, y0: 0, x1: input.image.width - 1, y1: input.image.height - 1 };
      out.peaks.forEach((list, t) => {
        const ch = maps.heat[t];
        const top = topKPeaks(ch, all, list.length + 5);
        const key = (p: { x: number; y: number; score: number }) => `${p.x},${p.y},${p.score}`;
        expect(top.map(key).sort()).toEqual(list.map(key).sort());
        for (let i = 1; i < top.length; i++) expect(top[i - 1].height).toBeGreaterThanOrEqual(top[i].height);
        for (const p of top) expect(p.height).toBe(ch.at(p.py, p.px));
        expect(topKPeaks(ch, all, 3)).toEqual(top.slice(0, 3));
      });
    }
  });

  it('near a person: only peaks inside its search box', async () => {
    const input = await readFixtureCase('129648');
    const out = decodeReference(input);
    const maps = correctionMaps(input, 'reference');
    const pose = out.results[0].keypoints;
    const joints = Array.from({ length: 17 }, (_, k) =>
      pose[3 * k + 2] ? { x: pose[3 * k], y: pose[3 * k + 1] } : null,
    );
    const box = personSearchBox(joints)!;
    for (let t = 0; t < 18; t++) {
      const near = topKPeaks(maps.heat[t], box, 100);
      const inside = out.peaks[t].filter((p) => near.some((q) => q.x === p.x && q.y === p.y));
      expect(near.length).toBe(inside.length);
      for (const p of near) {
        expect(p.px).toBeGreaterThanOrEqual(box.x0);
        expect(p.px).toBeLessThanOrEqual(box.x1);
        expect(p.py).toBeGreaterThanOrEqual(box.y0);
        expect(p.py).toBeLessThanOrEqual(box.y1);
      }
    }
  });

  it('search box: joints box widened by a quarter of its larger side, at least 32 px; none without joints', () => {
    const joints = [{ x: 100, y: 50 }, null, { x: 140, y: 250 }];
    expect(personSearchBox(joints)).toEqual({ x0: 50, y0: 0, x1: 190, y1: 300 });
    expect(personSearchBox([{ x: 10, y: 10 }])).toEqual({ x0: -22, y0: -22, x1: 42, y1: 42 });
    expect(personSearchBox([null, null])).toBeNull();
  });

  it('refuses a k that is not a whole number', async () => {
    const maps = correctionMaps(await readFixtureCase('790'), 'fast');
    expect(() => topKPeaks(maps.heat[0], { x0: 0, y0: 0, x1: 10, y1: 10 }, 1.5)).toThrow(/whole number/);
  });
});
