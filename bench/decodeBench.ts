// npm run bench:decode — decode time per fixture case, reference and fast modes, against the official Python
// times recorded in the fixtures (official_seconds: OpenCV upsample+average and NumPy/Python assignment, 2-core CPU).
// Each case is decoded REPS times after WARMUP rounds; reported: the median over cases of each case's median.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readDecodeCase } from '../src/node/cases/readDecodeCase.ts';
import { decodeReference } from '../src/core/codec/decodeReference.ts';
import { decodeFast } from '../src/core/codec/decodeFast.ts';
import { DECODE_FIXTURES } from '../test/support/fixturePaths.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const REPS = Number(process.env.REPS ?? 15),
  WARMUP = 3;
const ids = readdirSync(DECODE_FIXTURES)
  .filter((d) => /^\d+$/.test(d))
  .sort();
const inputs = await Promise.all(ids.map((id) => readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'))));
const officialMs = ids.map((id) => {
  const s = JSON.parse(readFileSync(path.join(DECODE_FIXTURES, id, 'expected.json'), 'utf8')).official_seconds;
  return (s.upsample_average + s.assignment) * 1000;
});

function timeMode(decode: typeof decodeReference): number[] {
  for (let w = 0; w < WARMUP; w++) for (const input of inputs) decode(input);
  const perCase = inputs.map(() => [] as number[]);
  // Interleave cases within each repetition so that machine noise spreads over all of them.
  for (let r = 0; r < REPS; r++)
    inputs.forEach((input, i) => {
      const t = performance.now();
      decode(input);
      perCase[i].push(performance.now() - t);
    });
  return perCase.map(median);
}

const ref = timeMode(decodeReference),
  fast = timeMode(decodeFast);
console.log(`machine: ${machineLine()}; ${REPS} reps after ${WARMUP} warm-up rounds`);
console.log('case      official_ms  reference_ms  fast_ms  ref_speedup  fast_speedup');
ids.forEach((id, i) => {
  console.log(
    `${id.padEnd(9)} ${fmt(officialMs[i], 1).padStart(11)} ${fmt(ref[i]).padStart(13)} ${fmt(fast[i]).padStart(8)} ${fmt(officialMs[i] / ref[i], 1).padStart(12)} ${fmt(officialMs[i] / fast[i], 1).padStart(13)}`,
  );
});
const summary = {
  cases: ids.length,
  official_median_ms: median(officialMs),
  reference_median_ms: median(ref),
  fast_median_ms: median(fast),
  reference_speedup_median: median(officialMs.map((o, i) => o / ref[i])),
  fast_speedup_median: median(officialMs.map((o, i) => o / fast[i])),
};
console.log(JSON.stringify(summary));
