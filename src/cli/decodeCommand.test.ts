import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DECODE_FIXTURES, PROJECT_ROOT } from '../../test/support/fixturePaths.ts';

const cases = readdirSync(DECODE_FIXTURES)
  .filter((d) => /^\d+$/.test(d))
  .sort()
  .map((d) => path.join(DECODE_FIXTURES, d, 'case.json'));

/** `simplepose decode … --stats` in a fresh process: its timing line. */
function freshDecode(mode: string): { cases: number; total_ms: number; per_case_ms: number[] } {
  const r = spawnSync(process.execPath, ['bin/simplepose.js', 'decode', ...cases, '--mode', mode, '--stats'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stderr.trim().split('\n').at(-1)!);
}

describe('simplepose decode in a fresh process (issue 13: the decoder fast from the first image)', () => {
  it('fast mode decodes the 12 fixture cases, the first included, in ≤ 100 ms (the JIT-bound decoder: ~210 ms)', () => {
    const stats = freshDecode('fast');
    expect(stats.cases).toBe(12);
    expect(stats.per_case_ms).toHaveLength(12);
    // ~40 ms on a loaded 2-core machine; the decoder before the WebAssembly kernels took 210 ms there (issue 13).
    // Wall time: a host at load 10 can stretch one run past the bound, so the best of up to 3 fresh processes counts.
    let best = stats.total_ms;
    for (let i = 0; i < 2 && best >= 100; i++) best = Math.min(best, freshDecode('fast').total_ms);
    expect(best).toBeLessThan(100);
  });
});
