// npm run bench:decode-cold — the decoder as users meet it: `simplepose decode` in a fresh process per set (first
// image of each size included), against the official pipeline (bench/official/official_decode.py) in the same run.
// Sets: real photos at scales 0.6, 1, 1.5 with flip (large multipliers; maps of the bundled model, built once into
// .tmp/bench-cases/), and the 12 official-model cases of ../shared/fixtures/decode. Per round and set: the official
// time per case (median of 3 runs in one Python process), each mode cold (one fresh CLI process, every case decoded
// once, in order) and warm (in this process, median of REPS after warm-up). Summary: medians over ROUNDS rounds.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDecodeCase } from '../src/node/cases/readDecodeCase.ts';
import { decodeFast } from '../src/core/codec/decodeFast.ts';
import { decodeReference } from '../src/core/codec/decodeReference.ts';
import { DECODE_FIXTURES, PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { caseSet, valPhotos } from './decodeCases.ts';
import { officialTimes } from './officialBaseline.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3),
  REPS = Number(process.env.REPS ?? 9);
const LARGE = [0.6, 1, 1.5];
const photos = valPhotos();
const sets: { name: string; cases: string[] }[] = [
  { name: 'coco-a (photos 1–4, ×0.6/1/1.5 + flip)', cases: caseSet('cold-a', photos.slice(0, 4), LARGE, true) },
  { name: 'coco-b (photos 5–8, ×0.6/1/1.5 + flip)', cases: caseSet('cold-b', photos.slice(4, 8), LARGE, true) },
  {
    name: 'fixtures (12 official-model cases)',
    cases: readdirSync(DECODE_FIXTURES)
      .filter((d) => /^\d+$/.test(d))
      .sort()
      .map((d) => path.join(DECODE_FIXTURES, d, 'case.json')),
  },
];

/** Per-case decode times (ms) of one fresh `simplepose decode` process over the cases, in order. */
function coldTimes(cases: string[], mode: 'fast' | 'reference'): number[] {
  const r = spawnSync(process.execPath, ['bin/simplepose.js', 'decode', ...cases, '--mode', mode, '--stats'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`simplepose decode failed: ${r.stderr}`);
  return (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { per_case_ms: number[] }).per_case_ms;
}

async function warmTimes(cases: string[]) {
  const inputs = await Promise.all(cases.map((c) => readDecodeCase(c)));
  const out = { fast: [] as number[], reference: [] as number[] };
  for (const [mode, decode] of [
    ['fast', decodeFast],
    ['reference', decodeReference],
  ] as const) {
    for (let w = 0; w < 3; w++) for (const i of inputs) decode(i);
    const per = inputs.map(() => [] as number[]);
    for (let r = 0; r < REPS; r++)
      inputs.forEach((input, i) => {
        const t = performance.now();
        decode(input);
        per[i].push(performance.now() - t);
      });
    out[mode] = per.map(median);
  }
  return out;
}

interface Row {
  official: number;
  fastCold: number;
  refCold: number;
  fastWarm: number;
  refWarm: number;
  fastFirst: number;
}
const rows = new Map<string, Row[]>(sets.map((s) => [s.name, []]));
console.log(
  `machine: ${machineLine()}; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const set of sets) {
    const official = officialTimes(set.cases, 3).map((t) => t.ms);
    const fastCold = coldTimes(set.cases, 'fast'),
      refCold = coldTimes(set.cases, 'reference');
    const warm = await warmTimes(set.cases);
    const row: Row = {
      official: median(official),
      fastCold: median(fastCold),
      refCold: median(refCold),
      fastWarm: median(warm.fast),
      refWarm: median(warm.reference),
      fastFirst: fastCold[0],
    };
    rows.get(set.name)!.push(row);
    console.log(
      `round ${round} ${set.name}: official ${fmt(row.official, 1)} ms | fast cold ${fmt(row.fastCold)} (first ${fmt(row.fastFirst)}) ` +
        `warm ${fmt(row.fastWarm)} | reference cold ${fmt(row.refCold)} warm ${fmt(row.refWarm)} | ` +
        `fast ×${fmt(row.official / row.fastCold, 1)} cold ×${fmt(row.official / row.fastWarm, 1)} warm, ` +
        `reference ×${fmt(row.official / row.refCold, 1)} cold | per-case ratios fast cold ${fastCold.map((v, i) => fmt(official[i] / v, 0)).join(' ')}`,
    );
  }
}
console.log(
  `load average at end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  '\nset | official ms | fast cold ms (first case) | fast warm ms | ref cold ms | fast ×cold | fast ×warm | ref ×cold',
);
for (const [name, rs] of rows) {
  const m = (f: (r: Row) => number) => median(rs.map(f));
  const range = (f: (r: Row) => number) => `${fmt(Math.min(...rs.map(f)), 1)}–${fmt(Math.max(...rs.map(f)), 1)}`;
  console.log(
    `${name} | ${fmt(
      m((r) => r.official),
      1,
    )} | ${fmt(m((r) => r.fastCold))} (${fmt(m((r) => r.fastFirst))}) | ` +
      `${fmt(m((r) => r.fastWarm))} | ${fmt(m((r) => r.refCold))} | ×${range((r) => r.official / r.fastCold)} | ` +
      `×${range((r) => r.official / r.fastWarm)} | ×${range((r) => r.official / r.refCold)}`,
  );
}
