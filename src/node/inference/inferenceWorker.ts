// Worker-thread side of PoseEngine: owns the ONNX Runtime session (whose run() blocks its thread) and runs the
// whole inferImage pipeline here, one request at a time, so the main thread's event loop never waits.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPoseModel, type PoseModel } from './poseModel.ts';
import { inferImage, type InferOptions } from './inferImage.ts';
import type { ProviderName } from './executionProviders.ts';

export type WorkerRequest =
  | { type: 'infer'; id: number; image: string; imageId: number; options: InferOptions }
  | { type: 'close' };

const port = parentPort!;
const { modelPath, provider } = workerData as { modelPath: string; provider: ProviderName };
let model: PoseModel;
let queue: Promise<void> = Promise.resolve();

try {
  model = await loadPoseModel(modelPath, { provider, log: (line) => port.postMessage({ type: 'log', line }) });
  port.postMessage({ type: 'loaded', card: model.card, provider: model.provider });
} catch (e) {
  port.postMessage({ type: 'failed', name: (e as Error).name, message: (e as Error).message });
  process.exit(0);
}

port.on('message', (msg: WorkerRequest) => {
  queue = queue.then(async () => {
    if (msg.type === 'close') {
      await model.release();
      port.close();
      return;
    }
    try {
      const result = await inferImage(model, msg.image, msg.imageId, msg.options);
      const buffers = result.passes.flatMap((p) => [
        p.maps.data.buffer,
        ...(p.flippedMaps ? [p.flippedMaps.data.buffer] : []),
      ]) as ArrayBuffer[];
      port.postMessage({ type: 'result', id: msg.id, result }, buffers);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, name: (e as Error).name, message: (e as Error).message });
    }
  });
});
