// The two measurements of bench:detect that run in a child process of their own: the bare network, and one image's
// stages run one after another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPoseModel } from '../src/node/inference/poseModel.ts';
import { finishImage, prepareImage, type InferOptions } from '../src/node/inference/inferImage.ts';
import { decodeImageBgr } from '../src/node/images/decodeImage.ts';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { syncImages } from '../src/node/project/syncImages.ts';
import { imageRepository } from '../src/node/db/imageRepository.ts';
import { modelRepository } from '../src/node/db/modelRepository.ts';
import { runRepository } from '../src/node/db/runRepository.ts';
import { writeTransaction } from '../src/node/db/writeTransaction.ts';
import { MapCache, mapCacheKey } from '../src/node/project/mapCache.ts';

/** ONNX Runtime thread settings, as the environment the worker reads (poseModel.ts defaultThreading). */
export interface Threading {
  label: string;
  env: Record<string, string>;
}

/**
 * session.run alone on each image's pre-processed input (prepared beforehand, held in memory), after one warm-up
 * run: images per second. The thread settings come from the environment, as in the worker.
 */
export async function bareThroughput(modelPath: string, images: string[], o: InferOptions) {
  const model = await loadPoseModel(modelPath, { provider: 'cpu' });
  const inputs = [];
  for (const [i, f] of images.entries()) inputs.push(...(await prepareImage(model.card, f, i + 1, o)).inputs);
  await model.run(inputs[0]);
  const t0 = performance.now();
  for (const input of inputs) await model.run(input);
  const s = (performance.now() - t0) / 1000;
  await model.release();
  return { imagesPerSecond: images.length / s };
}

/**
 * Each stage of each image in turn, in one thread (decode image, pre-process, network, decode maps, store: the map
 * cache's float16 files and the prediction's transaction in a scratch project of the same folder): the share of
 * each in the sum, and milliseconds per image.
 */
export async function stageShares(modelPath: string, images: string[], o: InferOptions) {
  const model = await loadPoseModel(modelPath, { provider: 'cpu' });
  const scratch = mkdtempSync(path.join(tmpdir(), 'sp-stages-'));
  const db = openProjectDb(path.join(scratch, 'p.sqlite'));
  await syncImages(db, path.dirname(images[0]));
  const ids = new Map(
    imageRepository(db)
      .present()
      .map((im) => [im.relPath, im]),
  );
  const modelId = writeTransaction(db, 'bench', () => modelRepository(db).record(modelPath, 'm', '{}', 0));
  const runId = writeTransaction(db, 'bench', () =>
    runRepository(db).create({ ...o, modelId, provider: 'cpu', now: 0 }),
  );
  const cache = new MapCache(db, path.join(scratch, 'cache'));
  const ms = { decodeImage: 0, preprocess: 0, network: 0, decodeMaps: 0, store: 0 };
  for (const [k, f] of [images[0], ...images].entries()) {
    let t = performance.now();
    const img = await decodeImageBgr(f);
    const decodeImage = performance.now() - t;
    t = performance.now();
    const p = await prepareImage(model.card, img, 1, o);
    const preprocess = performance.now() - t;
    t = performance.now();
    const outputs = [];
    for (const input of p.inputs) outputs.push(await model.run(input));
    const network = performance.now() - t;
    t = performance.now();
    const r = finishImage(p, outputs, o, network);
    const decodeMaps = performance.now() - t;
    if (k === 0) continue; // the first image warms up and is not counted
    t = performance.now();
    const im = ids.get(path.basename(f))!;
    const written = await cache.write(mapCacheKey(im.contentHash, { modelHash: 'm', ...o }), {
      image: { width: r.width, height: r.height },
      passes: r.passes,
    });
    writeTransaction(db, 'bench', () => {
      cache.record(written);
      runRepository(db).addPrediction(runId, im.id, im.contentHash, r.poses, Date.now());
    });
    const store = performance.now() - t;
    Object.assign(ms, {
      decodeImage: ms.decodeImage + decodeImage,
      preprocess: ms.preprocess + preprocess,
      network: ms.network + network,
      decodeMaps: ms.decodeMaps + decodeMaps,
      store: ms.store + store,
    });
  }
  db.close();
  rmSync(scratch, { recursive: true, force: true });
  await model.release();
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    Object.entries(ms).map(([k, v]) => [
      k,
      { share: Number((v / total).toFixed(3)), msPerImage: Math.round(v / images.length) },
    ]),
  );
}
