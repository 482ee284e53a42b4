import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { decodeReference } from './decodeReference.ts';
import { DECODE_FIXTURES, readDecodeCase, readJson } from '../../../test/support/fixturePaths.ts';

interface Expected {
  peaks: [number, number, number, number][][];
  connections: number[][][];
  persons: { keypoint_ids: number[]; total_score: number; part_count: number }[];
  results: { image_id: number; keypoints: number[]; score: number }[];
}

const cases = readdirSync(DECODE_FIXTURES)
  .filter((d) => /^\d+$/.test(d))
  .sort();

// Tolerances (issue 2 / PRODUCT.md): joints within 0.01 px, scores within 1e-4 of the official outputs.
describe('decodeReference vs the official evaluate.py outputs (shared/fixtures/decode)', () => {
  it('has the 12 fixture cases', () => expect(cases.length).toBe(12));
  for (const id of cases) {
    it(`case ${id}: same peaks, connections, persons and results`, async () => {
      const input = await readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'));
      const exp = readJson<Expected>(path.join(DECODE_FIXTURES, id, 'expected.json'));
      const out = decodeReference(input);
      expect(out.peaks.map((l) => l.length)).toEqual(exp.peaks.map((l) => l.length));
      out.peaks.forEach((list, t) => {
        list.forEach((p, i) => {
          const [x, y, s, pid] = exp.peaks[t][i];
          expect(p.id).toBe(pid);
          expect(Math.abs(p.x - x)).toBeLessThan(0.01);
          expect(Math.abs(p.y - y)).toBeLessThan(0.01);
          expect(Math.abs(p.score - s)).toBeLessThan(1e-4);
        });
      });
      out.connections.forEach((conns, k) => {
        const e = exp.connections[k];
        expect((conns ?? []).length).toBe(e.length);
        (conns ?? []).forEach((c, r) => {
          expect([c.idA, c.idB, c.i, c.j]).toEqual([e[r][0], e[r][1], e[r][3], e[r][4]]);
          expect(Math.abs(c.score - e[r][2])).toBeLessThan(1e-4);
          expect(Math.abs(c.length - e[r][5])).toBeLessThan(0.01);
        });
      });
      expect(out.persons.map((p) => p.ids)).toEqual(exp.persons.map((p) => p.keypoint_ids));
      out.persons.forEach((p, i) => {
        expect(p.count).toBe(exp.persons[i].part_count);
        expect(Math.abs(p.total - exp.persons[i].total_score)).toBeLessThan(1e-4);
      });
      expect(out.results.length).toBe(exp.results.length);
      out.results.forEach((r, i) => {
        const e = exp.results[i];
        expect(r.image_id).toBe(e.image_id);
        expect(Math.abs(r.score - e.score)).toBeLessThan(1e-4);
        for (const [j, v] of r.keypoints.entries()) expect(Math.abs(v - e.keypoints[j])).toBeLessThan(0.01);
      });
    });
  }
});
