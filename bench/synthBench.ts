// npm run bench:synth — synthetic dataset generation speed (render + JPEG + COCO), extrapolated to 20,000 images.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSynthDataset } from '../src/node/synth/writeSynthDataset.ts';
import { SHARED_ROOT } from '../test/support/fixturePaths.ts';
import { machineLine } from './benchStats.ts';

const count = Number(process.env.COUNT ?? 300);
const dir = mkdtempSync(path.join(tmpdir(), 'sp-synth-bench-'));
const t0 = performance.now();
const r = await writeSynthDataset({
  outDir: dir,
  count,
  seed: 99,
  width: 512,
  height: 384,
  minPersons: 1,
  maxPersons: 6,
  templateFiles: [path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json')],
});
const s = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });
console.log(`machine: ${machineLine()}; one process`);
console.log(
  JSON.stringify({
    images: count,
    persons: r.persons,
    seconds: Number(s.toFixed(1)),
    ms_per_image: Number(((s * 1000) / count).toFixed(1)),
    minutes_for_20000: Number((((s / count) * 20000) / 60).toFixed(1)),
  }),
);
