// npm run bench:decode-cold — the decoder as users meet it, against the official pipeline in the same run
// (bench/official/official_decode.py, one long-lived Python process). Sets: real photos at scales 0.6, 1, 1.5 with
// flip (large multipliers; maps of the bundled model, built once into .tmp/bench-cases/) and the 12 official-model
// cases of ../shared/fixtures/decode. Case by case, interleaved so that the machine's load falls on both sides
// alike: the official time (median of `officialReps` runs), the warm time in this process (median of REPS), and
// `simplepose decode CASE --stats` in a fresh process per mode — every case a first image. Then each set in one fresh
// process per mode, in order (the first image of each size pays the setup). Ratios: median official time over the
// set's cases / median decode time. Summary: median and range over ROUNDS rounds.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDecodeCase } from '../src/node/cases/readDecodeCase.ts';
import { decodeFast } from '../src/core/codec/decodeFast.ts';
import { decodeReference } from '../src/core/codec/decodeReference.ts';
import type { DecodeInput } from '../src/core/codec/decodeCase.ts';
import { DECODE_FIXTURES, PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { caseSet, valPhotos } from './decodeCases.ts';
import { OfficialBaseline } from './officialBaseline.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3),
  REPS = Number(process.env.REPS ?? 9);
const LARGE = [0.6, 1, 1.5];
const photos = valPhotos();
const fixtures = readdirSync(DECODE_FIXTURES)
  .filter((d) => /^\d+$/.test(d))
  .sort()
  .map((d) => path.join(DECODE_FIXTURES, d, 'case.json'));
// officialReps: one run per case for the photo sets (4–20 s each: the bundled model's maps have hundreds of peaks)
const sets = [
  {
    name: 'coco-a (photos 1–4, ×0.6/1/1.5 + flip)',
    cases: caseSet('cold-a', photos.slice(0, 4), LARGE, true),
    officialReps: 1,
  },
  {
    name: 'coco-b (photos 5–8, ×0.6/1/1.5 + flip)',
    cases: caseSet('cold-b', photos.slice(4, 8), LARGE, true),
    officialReps: 1,
  },
  { name: 'fixtures (12 official-model cases)', cases: fixtures, officialReps: 3 },
];
type Mode = 'fast' | 'reference';

/** Per-case decode times (ms) of one fresh `simplepose decode` process over the cases, in order. */
function coldTimes(cases: string[], mode: Mode): number[] {
  const r = spawnSync(process.execPath, ['bin/simplepose.js', 'decode', ...cases, '--mode', mode, '--stats'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`simplepose decode failed: ${r.stderr}`);
  return (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { per_case_ms: number[] }).per_case_ms;
}

/** Median of REPS in-process decodes of an input (after the set's warm-up). */
function warmTime(input: DecodeInput, decode: (i: DecodeInput) => unknown): number {
  const t: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const s = performance.now();
    decode(input);
    t.push(performance.now() - s);
  }
  return median(t);
}

interface Row {
  official: number;
  fastFresh: number;
  refFresh: number;
  fastSet: number;
  refSet: number;
  fastWarm: number;
  refWarm: number;
}
const official = new OfficialBaseline();
const rows = new Map<string, Row[]>(sets.map((s) => [s.name, []]));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`machine: ${machineLine()}; load average at start ${load()}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const set of sets) {
    const inputs = await Promise.all(set.cases.map((c) => readDecodeCase(c)));
    for (let w = 0; w < 2; w++)
      for (const i of inputs) {
        decodeFast(i);
        decodeReference(i);
      }
    const t = {
      off: [] as number[],
      fast: [] as number[],
      ref: [] as number[],
      fastWarm: [] as number[],
      refWarm: [] as number[],
    };
    for (const [i, c] of set.cases.entries()) {
      t.off.push((await official.time(c, set.officialReps)).ms);
      t.fastWarm.push(warmTime(inputs[i], decodeFast));
      t.refWarm.push(warmTime(inputs[i], decodeReference));
      t.fast.push(coldTimes([c], 'fast')[0]);
      t.ref.push(coldTimes([c], 'reference')[0]);
    }
    const row: Row = {
      official: median(t.off),
      fastFresh: median(t.fast),
      refFresh: median(t.ref),
      fastSet: median(coldTimes(set.cases, 'fast')),
      refSet: median(coldTimes(set.cases, 'reference')),
      fastWarm: median(t.fastWarm),
      refWarm: median(t.refWarm),
    };
    rows.get(set.name)!.push(row);
    console.log(
      `round ${round} ${set.name}: official ${fmt(row.official, 1)} ms | fast: fresh process per case ${fmt(row.fastFresh)}, ` +
        `per set ${fmt(row.fastSet)}, warm ${fmt(row.fastWarm)} | reference: ${fmt(row.refFresh)}, ${fmt(row.refSet)}, ` +
        `${fmt(row.refWarm)} | load ${load()}`,
    );
  }
}
official.close();
console.log(`load average at end ${load()}`);
const ratio = (rs: Row[], f: (r: Row) => number) => {
  const v = rs.map((r) => r.official / f(r));
  return `×${fmt(median(v), 0)} (${fmt(Math.min(...v), 0)}–${fmt(Math.max(...v), 0)})`;
};
console.log(
  '\nset | official ms | fast fresh / set / warm ms | ref fresh / set / warm ms | fast ×fresh | ×set | ×warm | ' +
    'ref ×fresh | ×set | ×warm',
);
for (const [name, rs] of rows) {
  const m = (f: (r: Row) => number) => fmt(median(rs.map(f)));
  console.log(
    `${name} | ${m((r) => r.official)} | ${m((r) => r.fastFresh)} / ${m((r) => r.fastSet)} / ${m((r) => r.fastWarm)} | ` +
      `${m((r) => r.refFresh)} / ${m((r) => r.refSet)} / ${m((r) => r.refWarm)} | ${ratio(rs, (r) => r.fastFresh)} | ` +
      `${ratio(rs, (r) => r.fastSet)} | ${ratio(rs, (r) => r.fastWarm)} | ${ratio(rs, (r) => r.refFresh)} | ` +
      `${ratio(rs, (r) => r.refSet)} | ${ratio(rs, (r) => r.refWarm)}`,
  );
}
// The fixtures carry the official pipeline's times as measured when they were made: the same ratios against those.
const recorded = median(
  fixtures.map((c) => {
    const s = JSON.parse(readFileSync(path.join(path.dirname(c), 'expected.json'), 'utf8')).official_seconds;
    return (s.upsample_average + s.assignment) * 1000;
  }),
);
const fx = rows.get(sets[2].name)!;
const vs = (f: (r: Row) => number) => `×${fmt(recorded / median(fx.map(f)), 0)}`;
console.log(
  `fixtures against their recorded official times (median ${fmt(recorded, 1)} ms; this run's baseline ` +
    `${fmt(median(fx.map((r) => r.official)), 1)} ms): fast fresh ${vs((r) => r.fastFresh)}, set ${vs((r) => r.fastSet)}, ` +
    `warm ${vs((r) => r.fastWarm)}; reference fresh ${vs((r) => r.refFresh)}, set ${vs((r) => r.refSet)}, ` +
    `warm ${vs((r) => r.refWarm)}`,
);
