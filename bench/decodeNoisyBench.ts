// npm run bench:decode-noisy — the decoder on a noisy model's maps: the bundled model (trained on synthetic people)
// on the real photos of ../shared/data/coco-mini/val2017, with the app's default settings (scale 1 + flip), as
// decode cases built once into .tmp/bench-cases/. Per round: every photo decoded in fast mode (the app's mode) after
// a warm-up, median of 3 per photo. Baseline in the same run: the decoder before issue 13 (this project's src/core
// at BASE_COMMIT, extracted with git into .tmp/), on every 4th photo. Wall time and, as the figure that the machine's
// load does not inflate, the process's CPU time (process.cpuUsage: user + system, all threads) of each decode.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDecodeCase } from '../src/node/cases/readDecodeCase.ts';
import { decodeFast, FAST_DEFAULTS } from '../src/core/codec/decodeFast.ts';
import type { DecodeInput } from '../src/core/codec/decodeCase.ts';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { caseSet, valPhotos } from './decodeCases.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BASE_COMMIT = '4edb89c';
const BASE_EVERY = Number(process.env.BASE_EVERY ?? 4);
// MAX_PER_TYPE=N: the bound at N candidates per type (the fast screen's seeds at 4·N), to weigh other caps.
const CAP = process.env.MAX_PER_TYPE ? Number(process.env.MAX_PER_TYPE) : FAST_DEFAULTS.peaks.maxPerType;
const OPTIONS = {
  peaks: { ...FAST_DEFAULTS.peaks, maxPerType: CAP },
  screen: { ...FAST_DEFAULTS.screen, maxSeeds: 4 * CAP },
};
const decode = (input: DecodeInput) => decodeFast(input, OPTIONS);

/** decodeFast of the project at BASE_COMMIT (its src/core only: the core has no dependencies). */
async function baselineDecoder(): Promise<(input: DecodeInput) => { persons: unknown[] }> {
  const dir = path.join(PROJECT_ROOT, '.tmp', `bench-base-${BASE_COMMIT}`);
  const entry = path.join(dir, 'src', 'core', 'codec', 'decodeFast.ts');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', BASE_COMMIT, 'src/core'], { cwd: PROJECT_ROOT, maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return ((await import(entry)) as { decodeFast: (input: DecodeInput) => { persons: unknown[] } }).decodeFast;
}

const p90 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(0.9 * (v.length - 1))];
const cases = caseSet('val-noisy', valPhotos(), [1], true);
const baseline = await baselineDecoder();
console.log(
  `machine: ${machineLine()}; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `${cases.length} photos (val2017, bundled model, scale 1 + flip); baseline = src/core at ${BASE_COMMIT} on every ${BASE_EVERY}th; maxPerType ${CAP}`,
);
interface Row {
  median: number;
  p90: number;
  max: number;
  cpuMedian: number;
  cpuP90: number;
  cpuMax: number;
  subset: number;
  base: number;
  cpuSubset: number;
  cpuBase: number;
}
const summary: Row[] = [];
/** Wall and CPU milliseconds of f(). */
function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c = process.cpuUsage(),
    s = performance.now();
  const value = f();
  const wall = performance.now() - s,
    d = process.cpuUsage(c);
  return { value, wall, cpu: (d.user + d.system) / 1000 };
}
for (let round = 1; round <= ROUNDS; round++) {
  const times: number[] = [],
    cpu: number[] = [],
    subsetNew: number[] = [],
    subsetBase: number[] = [],
    cpuNew: number[] = [],
    cpuBase: number[] = [];
  let persons = 0,
    maxPersons = 0,
    basePersons = 0;
  for (const [i, file] of cases.entries()) {
    const input = await readDecodeCase(file);
    decode(input); // warm-up: tables of this size, JIT of the glue
    const t: number[] = [],
      u: number[] = [];
    let n = 0;
    for (let r = 0; r < 3; r++) {
      const run = timed(() => decode(input));
      n = run.value.persons.length;
      t.push(run.wall);
      u.push(run.cpu);
    }
    times.push(median(t));
    cpu.push(median(u));
    persons += n;
    maxPersons = Math.max(maxPersons, n);
    if (i % BASE_EVERY === 0) {
      const run = timed(() => baseline(input));
      basePersons = Math.max(basePersons, run.value.persons.length);
      subsetBase.push(run.wall);
      cpuBase.push(run.cpu);
      subsetNew.push(median(t));
      cpuNew.push(median(u));
    }
  }
  const row: Row = {
    median: median(times),
    p90: p90(times),
    max: Math.max(...times),
    cpuMedian: median(cpu),
    cpuP90: p90(cpu),
    cpuMax: Math.max(...cpu),
    subset: median(subsetNew),
    base: median(subsetBase),
    cpuSubset: median(cpuNew),
    cpuBase: median(cpuBase),
  };
  summary.push(row);
  console.log(
    `round ${round}: per photo wall median ${fmt(row.median)} ms, p90 ${fmt(row.p90)}, max ${fmt(row.max)}; CPU ` +
      `median ${fmt(row.cpuMedian)} ms, p90 ${fmt(row.cpuP90)}, max ${fmt(row.cpuMax)}; persons mean ` +
      `${fmt(persons / cases.length, 1)}, max ${maxPersons} (baseline max ${basePersons}); subset of ${subsetNew.length}: ` +
      `${fmt(row.subset)} ms vs baseline ${fmt(row.base)} ms (×${fmt(row.base / row.subset, 1)}), CPU ` +
      `${fmt(row.cpuSubset)} vs ${fmt(row.cpuBase)} ms (×${fmt(row.cpuBase / row.cpuSubset, 1)}); load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
}
console.log(
  `load average at end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const r = (f: (x: Row) => number) => `${fmt(Math.min(...summary.map(f)))}–${fmt(Math.max(...summary.map(f)))}`;
console.log(
  JSON.stringify({
    photos: cases.length,
    rounds: ROUNDS,
    median_ms: r((x) => x.median),
    p90_ms: r((x) => x.p90),
    max_ms: r((x) => x.max),
    cpu_median_ms: r((x) => x.cpuMedian),
    cpu_p90_ms: r((x) => x.cpuP90),
    cpu_max_ms: r((x) => x.cpuMax),
    baseline_subset_ms: r((x) => x.base),
    speedup_subset: r((x) => x.base / x.subset),
    cpu_speedup_subset: r((x) => x.cpuBase / x.cpuSubset),
  }),
);
