// npm run bench:multiscale-maps [-- --photos N] — the corrections on a multi-scale run (scales 0.5, 1, 1.5 + flip,
// fast mode; the bundled model on coco-mini val2017 photos):
//  1. distance from each joint the decoder gave to the snap target there (snapToPeak from the joint, radius 16 px)
//     and to the top-1 candidate of its channel near its person (topKPeaks k = 1), median and p90, reading
//     - before: the first scale's maps (what the cache served: the first pass, flip-averaged),
//     - combined: the overlay pass alone (the passes combined on the finest pass's grid, core/codec/combinedPass),
//     - after: what the corrections read now (each pass flip-averaged, combined by the decoder's own code),
//     all through the map cache (float16), and the same for a single-scale run (scale 1) as the floor float16 sets;
//  2. the store's cost per image (MapCache.write: files + combination) and bytes, multi-scale over single-scale
//     (the same photo, the same process), medians over the photos.
import { mkdtempSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DecodeInput } from '../src/core/codec/decodeCase.ts';
import { cocoKeypointChannel, correctionMaps } from '../src/core/correct/correctionMaps.ts';
import { snapToPeak } from '../src/core/correct/snapToPeak.ts';
import { personSearchBox, topKPeaks } from '../src/core/correct/topKPeaks.ts';
import type { Pose } from '../src/core/codec/assign/toPoses.ts';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { BUNDLED_MODEL_PATH } from '../src/node/inference/bundledModel.ts';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { MapCache, mapCacheKey } from '../src/node/project/mapCache.ts';
import { SHARED_ROOT } from '../test/support/fixturePaths.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '24' } } });
const VAL = path.join(SHARED_ROOT, 'data', 'coco-mini', 'val2017');
const MULTI = { scales: [0.5, 1, 1.5], flip: true, mode: 'fast' as const };
const SINGLE = { scales: [1], flip: true, mode: 'fast' as const };

const photos = readdirSync(VAL).sort().slice(0, Number(values.photos));
const root = mkdtempSync(path.join(tmpdir(), 'sp-msmaps-'));
const db = openProjectDb(path.join(root, 'p.sqlite'));
const cache = new MapCache(db, path.join(root, 'maps'), 2 ** 40);
const engine = await PoseEngine.start(BUNDLED_MODEL_PATH, { provider: 'cpu' });

type Variant = 'before' | 'combined' | 'after' | 'single';
const snapPx: Record<Variant, number[]> = { before: [], combined: [], after: [], single: [] };
const topPx: Record<Variant, number[]> = { before: [], combined: [], after: [], single: [] };
const storeMs = { multi: [] as number[], single: [] as number[], ratio: [] as number[] };
const bytes = { multi: [] as number[], combined: [] as number[], single: [] as number[] };

for (const [i, f] of photos.entries()) {
  const file = path.join(VAL, f);
  const image = { width: 0, height: 0 };
  const stored: Partial<Record<'multi' | 'single', { ms: number; bytes: number; combined: number }>> = {};
  const runs = { multi: MULTI, single: SINGLE };
  const order = i % 2 ? (['single', 'multi'] as const) : (['multi', 'single'] as const); // neither always first
  for (const run of order) {
    const r = await engine.infer(file, i + 1, runs[run]);
    Object.assign(image, { width: r.width, height: r.height });
    const k = mapCacheKey(`${f}-${run}`, { modelHash: 'm', ...runs[run] });
    const t = performance.now();
    const w = await cache.write(k, { image, passes: r.passes });
    const ms = performance.now() - t;
    cache.record(w);
    const combined = w.entry.combined ? (await stat(path.join(root, 'maps', w.entry.combined.maps))).size : 0;
    stored[run] = { ms, bytes: w.bytes, combined };
    const at = (input: DecodeInput, v: Variant) => measure(input, r.poses, v);
    if (run === 'single') {
      const o = (await cache.overlay(k, image))!;
      at(oneInput(image, o.multiplier, o.maps), 'single');
    } else {
      const back = (await cache.get(k))!;
      at({ image: { id: 0, ...image }, passes: [back[0]] }, 'before');
      const o = (await cache.overlay(k, image))!;
      at(oneInput(image, o.multiplier, o.maps), 'combined');
      const passes = (await cache.decoderPasses(k))!;
      at({ image: { id: 0, ...image }, passes: passes.map((p) => ({ ...p, flippedMaps: null })) }, 'after');
    }
  }
  storeMs.multi.push(stored.multi!.ms);
  storeMs.single.push(stored.single!.ms);
  storeMs.ratio.push(stored.multi!.ms / stored.single!.ms);
  bytes.multi.push(stored.multi!.bytes);
  bytes.combined.push(stored.multi!.combined);
  bytes.single.push(stored.single!.bytes);
}
await engine.close();
db.close();

console.log(`machine: ${machineLine()}`);
console.log(`${photos.length} coco-mini val2017 photos, bundled model; multi-scale = scales 0.5, 1, 1.5 + flip, fast`);
console.log('distance from each decoded joint (px): snap target | top-1 candidate near its person');
for (const v of ['before', 'combined', 'after', 'single'] as const) {
  const s = stats(snapPx[v]),
    t = stats(topPx[v]);
  console.log(
    `  ${v.padEnd(8)} (${snapPx[v].length} joints): snap median ${fmt(s.median, 3)}, p90 ${fmt(s.p90, 3)}, ` +
      `≤ 0.5 px ${fmt(100 * s.within, 1)} %, none ${s.none} | top-1 median ${fmt(t.median, 3)}, p90 ${fmt(t.p90, 3)}, ` +
      `≤ 0.5 px ${fmt(100 * t.within, 1)} %`,
  );
}
const mib = (b: number) => fmt(b / 2 ** 20, 2);
console.log(
  `store per image (MapCache.write, median): multi-scale ${fmt(median(storeMs.multi))} ms, single-scale ` +
    `${fmt(median(storeMs.single))} ms, ratio (per photo, median) ${fmt(median(storeMs.ratio))}×`,
);
console.log(
  `bytes per image (median): multi-scale ${mib(median(bytes.multi))} MiB of which the combined pass ` +
    `${mib(median(bytes.combined))} MiB; single-scale ${mib(median(bytes.single))} MiB; combined / single-scale ` +
    `${fmt(median(bytes.combined.map((b, i) => b / bytes.single[i])))}×, multi / single ${fmt(median(bytes.multi.map((b, i) => b / bytes.single[i])))}×`,
);
console.log(JSON.stringify({ snap: mapStats(snapPx), top1: mapStats(topPx), storeMs, bytes }));

function oneInput(
  image: { width: number; height: number },
  multiplier: number,
  maps: DecodeInput['passes'][0]['maps'],
) {
  return { image: { id: 0, ...image }, passes: [{ multiplier, maps, flippedMaps: null }] };
}

function measure(input: DecodeInput, persons: Pose[], v: Variant): void {
  const maps = correctionMaps(input, 'fast');
  for (const p of persons) {
    const box = personSearchBox(p.joints.map((j) => j && { x: j.x, y: j.y }));
    for (const [k, j] of p.joints.entries()) {
      if (!j) continue;
      const ch = cocoKeypointChannel(maps, k);
      const s = snapToPeak(ch, j);
      snapPx[v].push(s ? Math.hypot(s.x - j.x, s.y - j.y) : Number.POSITIVE_INFINITY);
      const top = box ? topKPeaks(ch, box, 1)[0] : undefined;
      topPx[v].push(top ? Math.hypot(top.x - j.x, top.y - j.y) : Number.POSITIVE_INFINITY);
    }
  }
}

function stats(d: number[]) {
  const s = [...d].sort((a, b) => a - b);
  const q = (f: number) => s[Math.floor(f * (s.length - 1))];
  return {
    median: q(0.5),
    p90: q(0.9),
    within: s.filter((x) => x <= 0.5).length / s.length,
    none: s.filter((x) => !Number.isFinite(x)).length,
  };
}

function mapStats(m: Record<Variant, number[]>) {
  return Object.fromEntries(Object.entries(m).map(([k, d]) => [k, stats(d)]));
}
