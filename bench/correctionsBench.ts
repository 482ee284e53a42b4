// npm run bench:corrections [-- --photos N] [--reps N] — heatmap-assisted corrections (src/core/correct):
//  1. L/R-swap flags and label-error flags on seeded errors (whole-person L/R swap; a joint 15 px off; a joint on
//     another person's joint; a missing wrist), precision and recall, on the 12 simulated decode cases
//     (../shared/fixtures/decode, GT from coco-mini train) — where the flag thresholds are chosen — and then on real
//     COCO photos (coco-mini val2017, persons with ≥ 8 keypoints) with maps from the bundled model (PoseEngine,
//     scale 1 + flip, fast mode);
//  2. each function's latency (medians of repeated runs): snap preview on the full-resolution map of a 640×480
//     photo (< 16 ms), regroup of a crowded image (< 100 ms, the decoder's own time as the in-process baseline).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { SWAP_FLAG_MARGIN } from '../src/core/correct/swapScore.ts';
import { LABEL_ERROR_FLAG_GAIN } from '../src/core/correct/labelErrorScores.ts';
import type { CocoJoints } from '../src/core/skeleton/imhnJoints.ts';
import { DECODE_CASE_IDS, gtPersons, readFixtureCase } from '../test/support/correctionCases.ts';
import { PROJECT_ROOT, SHARED_ROOT } from '../test/support/fixturePaths.ts';
import {
  imageCase,
  labelFlagStats,
  labelTrials,
  swapFlagStats,
  swapTrials,
  type ImageCase,
} from './corrections/seededTrials.ts';
import { regroupLatency, scoreLatency, snapLatency, topKLatency } from './corrections/latency.ts';
import { fmt, machineLine } from './benchStats.ts';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '27' }, reps: { type: 'string', default: '9' } },
});
const REPS = Number(values.reps);
const MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const VAL = path.join(SHARED_ROOT, 'data', 'coco-mini');

const fixtures: ImageCase[] = [];
for (const id of DECODE_CASE_IDS)
  fixtures.push(imageCase(`case ${id}`, await readFixtureCase(id), gtPersons(Number(id))));
const photos = await photoCases(Number(values.photos));

console.log(`machine: ${machineLine()}`);
console.log(
  `fixtures: ${fixtures.length} decode cases; photos: ${photos.length} coco-mini val2017 images, bundled model`,
);

// 1a. Swap margin: chosen on the fixtures (every clean ratio below, every swapped one above), checked on photos.
const swapFix = swapTrials(fixtures),
  swapPhoto = swapTrials(photos);
const maxClean = Math.max(...swapFix.labelled, ...swapFix.predicted),
  minSwapped = Math.min(...swapFix.swapped);
console.log(
  `\nswap ratio (swapped/labelled score) on fixtures: clean max ${fmt(maxClean, 3)}, seeded swaps min ${fmt(minSwapped, 3)}`,
);
for (const m of [0, 0.1, SWAP_FLAG_MARGIN, 0.5, 1]) row('fixtures', swapFlagStats(swapFix, m));
for (const m of [0, SWAP_FLAG_MARGIN, 1]) row('photos  ', swapFlagStats(swapPhoto, m));

// 1b. Label-error gain threshold: F1 over a grid on the fixtures, the constant checked on photos.
const labelFix = labelTrials(fixtures),
  labelPhoto = labelTrials(photos);
console.log('\nlabel-error flags (gain ≥ τ; false flags = any non-seeded joint over τ, clean trials included)');
const grid = [0.25, 0.5, 0.75, 1, 1.5];
const fixStats = grid.map((t) => labelFlagStats(labelFix, t));
for (const s of fixStats) row('fixtures', s);
const best = fixStats.reduce((a, b) => (b.f1 > a.f1 ? b : a));
console.log(
  `  best F1 on fixtures at τ = ${best.threshold} (constant LABEL_ERROR_FLAG_GAIN = ${LABEL_ERROR_FLAG_GAIN})`,
);
for (const t of [LABEL_ERROR_FLAG_GAIN, 1]) row('photos  ', labelFlagStats(labelPhoto, t));
const cleanDist = labelFix
  .filter((t) => t.kind === 'clean')
  .flatMap((t) => t.otherDistPx.filter((d) => !Number.isNaN(d)))
  .sort((a, b) => a - b);
const q = (f: number) => fmt(cleanDist[Math.floor(f * (cleanDist.length - 1))], 1);
console.log(`  fixtures: label → best candidate on clean joints: median ${q(0.5)} px, 75 % ${q(0.75)}, 90 % ${q(0.9)}`);

// 2. Latency. Snap and top-k on the full-resolution maps of a 640×480 photo (bundled model) and of the 640×480
// decode case 535506 (simulated maps with clear peaks), on its most completely labelled person.
const snapPhoto = photos.find((c) => c.input.image.width === 640 && c.input.image.height === 480);
const snapCases = [snapPhoto, fixtures.find((c) => c.name === 'case 535506')!].filter((c) => c !== undefined);
const fullest = (c: ImageCase) => [...c.gt].sort((a, b) => b.filter(Boolean).length - a.filter(Boolean).length)[0];
console.log(`\nlatency (ms, median of ${REPS})`);
const snaps = snapCases.flatMap((c) =>
  (['fast', 'reference'] as const).map((mode) => {
    const r = snapLatency(c.input, fullest(c), mode, REPS);
    const f = (v: { median: number; slowest: number }) => `${fmt(v.median, 3)} (slowest ${fmt(v.slowest, 2)})`;
    const { width, height } = c.input.image;
    console.log(
      `  snap, ${c.name} ${width}×${height}, ${mode} maps, ${r.moves} moves: cold ${f(r.cold)}, warm ${f(r.warm)}, worst case ${f(r.worst)}`,
    );
    return { image: c.name, mode, ...r };
  }),
);
const snapCase = snapCases[0];
const person = fullest(snapCase);
const topk = topKLatency(snapCase.input, person, REPS);
console.log(
  `  top-3 peaks per joint near the person (${snapCase.name}): cold ${fmt(topk.cold, 3)}, warm ${fmt(topk.warm, 3)}`,
);
const crowded = fixtures.find((c) => c.name === 'case 129648')!;
const scores = scoreLatency(crowded.input, crowded.gt, REPS);
console.log(
  `  ${crowded.name}, per labelled person (${scores.persons}): swap score ${fmt(scores.swap, 3)}, label-error scores ${fmt(scores.label)}`,
);
const regroups = ['129648', '227000'].map((id) => {
  const c = fixtures.find((f) => f.name === `case ${id}`)!;
  const r = regroupLatency(c.input, REPS);
  console.log(
    `  regroup ${c.name} (${r.persons} persons, one joint fixed each): warm ${fmt(r.warm)}, cold ${fmt(r.cold)}; decodeFast ${fmt(r.decode)} (regroup/decode ${fmt(r.warm / r.decode)}×)`,
  );
  return { id, ...r };
});
console.log(
  JSON.stringify({
    swap: {
      margin: SWAP_FLAG_MARGIN,
      fixtures: swapFlagStats(swapFix, SWAP_FLAG_MARGIN),
      photos: swapFlagStats(swapPhoto, SWAP_FLAG_MARGIN),
    },
    label: {
      gain: LABEL_ERROR_FLAG_GAIN,
      fixtures: labelFlagStats(labelFix, LABEL_ERROR_FLAG_GAIN),
      photos: labelFlagStats(labelPhoto, LABEL_ERROR_FLAG_GAIN),
    },
    latencyMs: { snaps, topk, scores, regroups },
  }),
);

function row(what: string, s: Record<string, unknown>): void {
  const f = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmt(v, 3)) : JSON.stringify(v));
  console.log(
    `  ${what} ${Object.entries(s)
      .map(([k, v]) => `${k}=${f(v)}`)
      .join(' ')}`,
  );
}

/** coco-mini val2017 images with a person of ≥ 8 keypoints, through the bundled model (scale 1 + flip, fast). */
async function photoCases(limit: number): Promise<ImageCase[]> {
  if (limit <= 0) return [];
  const gt = JSON.parse(readFileSync(path.join(VAL, 'annotations', 'person_keypoints_val2017.json'), 'utf8')) as {
    images: { id: number; file_name: string }[];
    annotations: { image_id: number; keypoints: number[]; iscrowd: number; num_keypoints: number }[];
  };
  const persons = (id: number): CocoJoints[] =>
    gt.annotations
      .filter((a) => a.image_id === id && !a.iscrowd && a.num_keypoints > 0)
      .map((a) =>
        Array.from({ length: 17 }, (_, k) =>
          a.keypoints[3 * k + 2] > 0 ? { x: a.keypoints[3 * k], y: a.keypoints[3 * k + 1] } : null,
        ),
      );
  const chosen = gt.images
    .filter((im) => gt.annotations.some((a) => a.image_id === im.id && !a.iscrowd && a.num_keypoints >= 8))
    .sort((a, b) => a.id - b.id)
    .slice(0, limit);
  const engine = await PoseEngine.start(MODEL, { provider: 'cpu' });
  const out: ImageCase[] = [];
  try {
    for (const im of chosen) {
      const r = await engine.infer(path.join(VAL, 'val2017', im.file_name), im.id, {
        scales: [1],
        flip: true,
        mode: 'fast',
      });
      const input = { image: { id: im.id, width: r.width, height: r.height }, passes: r.passes };
      out.push(imageCase(`photo ${im.id}`, input, persons(im.id)));
    }
  } finally {
    await engine.close();
  }
  return out;
}
