import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DECODE_FIXTURES, PROJECT_ROOT, readJson } from '../support/fixturePaths.ts';
import { PYTHON } from '../../bench/officialBaseline.ts';

interface Expected {
  peaks: [number, number, number, number][][];
  connections: number[][][];
  persons: { keypoint_ids: number[]; total_score: number; part_count: number }[];
  results: { keypoints: number[]; score: number }[];
}

// The decoder benchmarks' baseline is a re-implementation of the official post-processing (bench/official): it must
// give the official outputs recorded in the fixtures, or its times would not be the official pipeline's.
describe('bench/official/official_decode.py reproduces the official outputs of the 12 fixture cases', () => {
  it('same peaks, connections, persons and results (joints 0.01 px, scores 1e-4)', () => {
    const ids = readdirSync(DECODE_FIXTURES)
      .filter((d) => /^\d+$/.test(d))
      .sort();
    const cases = ids.map((id) => path.join(DECODE_FIXTURES, id, 'case.json'));
    const r = spawnSync(PYTHON, ['bench/official/official_decode.py', '--outputs', ...cases], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Expected & { id: number });
    expect(lines).toHaveLength(12);
    lines.forEach((got, i) => {
      const exp = readJson<Expected>(path.join(DECODE_FIXTURES, ids[i], 'expected.json'));
      expect(
        got.peaks.map((l) => l.length),
        ids[i],
      ).toEqual(exp.peaks.map((l) => l.length));
      got.peaks.forEach((list, t) => {
        list.forEach(([x, y, s, pid], j) => {
          const [ex, ey, es, eid] = exp.peaks[t][j];
          expect(pid).toBe(eid);
          expect(Math.abs(x - ex) + Math.abs(y - ey)).toBeLessThan(0.01);
          expect(Math.abs(s - es)).toBeLessThan(1e-4);
        });
      });
      for (const [k, c] of got.connections.entries())
        expect(c.length, `${ids[i]} limb ${k}`).toBe(exp.connections[k].length);
      expect(got.persons.map((p) => p.keypoint_ids)).toEqual(exp.persons.map((p) => p.keypoint_ids));
      got.results.forEach((res, j) => {
        expect(Math.abs(res.score - exp.results[j].score)).toBeLessThan(1e-4);
        for (const [q, v] of res.keypoints.entries())
          expect(Math.abs(v - exp.results[j].keypoints[q])).toBeLessThan(0.01);
      });
    });
  });
});
