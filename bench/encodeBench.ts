// npm run bench:encode — GT encoder: a 50×128×128 target (512×512 input, stride 4) for 20 persons.
import { encodeTargets, type EncoderPerson } from '../src/core/codec/encodeTargets.ts';
import { fmt, machineLine, median } from './benchStats.ts';

// 20 people of plausible size spread over a 512×512 crop, all 18 keypoints labelled (worst case for the encoder).
function makePersons(seed: number): EncoderPerson[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  return Array.from({ length: 20 }, () => {
    const cx = 40 + rnd() * 432,
      cy = 60 + rnd() * 392,
      h = 80 + rnd() * 160;
    const xy = new Float64Array(36);
    for (let j = 0; j < 18; j++) {
      xy[2 * j] = cx + (rnd() - 0.5) * h * 0.5;
      xy[2 * j + 1] = cy + (rnd() - 0.5) * h;
    }
    return { xy, labelled: new Array<boolean>(18).fill(true) };
  });
}

const persons = makePersons(7);
const mask = new Float32Array(128 * 128).fill(1);
for (let i = 0; i < 5; i++) encodeTargets(persons, 128, 128, mask);
const times: number[] = [];
for (let i = 0; i < 40; i++) {
  const t = performance.now();
  encodeTargets(persons, 128, 128, mask);
  times.push(performance.now() - t);
}
console.log(`machine: ${machineLine()}`);
console.log(
  JSON.stringify({ grid: '50x128x128', persons: 20, runs: times.length, median_ms: Number(fmt(median(times), 3)) }),
);
