// Child-process side of PoseEngine (see inferenceProcess.ts): owns the ONNX Runtime session, whose run() blocks this
// process's main thread, and runs the whole inferImage pipeline here, one request at a time.
import { Worker } from 'node:worker_threads';
import { loadPoseModel, type PoseModel } from './poseModel.ts';
import { inferImage, type InferOptions } from './inferImage.ts';
import type { ProviderName } from './executionProviders.ts';

export type WorkerRequest =
  | { type: 'infer'; id: number; image: string; imageId: number; options: InferOptions }
  | { type: 'close' };

// Nobody may be left computing when the app is gone: if the parent dies (even by kill -9) while the main thread is
// stuck in a run that never ends, this thread notices that the process was re-parented and kills it.
const WATCHDOG = `
const start = process.ppid;
setInterval(() => { if (process.ppid !== start) process.kill(process.pid, 'SIGKILL'); }, 250);
`;

/** Resolves once the message is handed to the channel (or the channel is gone: the parent is, too). */
const send = (m: unknown) => new Promise<void>((resolve) => process.send?.(m, undefined, undefined, () => resolve()));

if (!process.send) {
  process.stderr.write('inferenceWorker: start it through PoseEngine (it needs an IPC channel)\n');
  process.exit(2);
}
new Worker(WATCHDOG, { eval: true }).unref();
process.on('disconnect', () => process.exit(0));

const { modelPath, provider } = JSON.parse(process.argv[2] ?? '{}') as { modelPath: string; provider: ProviderName };
let model: PoseModel;
try {
  model = await loadPoseModel(modelPath, { provider, log: (line) => send({ type: 'log', line }) });
  await send({ type: 'loaded', card: model.card, provider: model.provider });
} catch (e) {
  await send({ type: 'failed', message: (e as Error).message });
  process.exit(0);
}

let queue: Promise<void> = Promise.resolve();
process.on('message', (msg: WorkerRequest) => {
  queue = queue.then(async () => {
    if (msg.type === 'close') {
      await model.release();
      process.exit(0);
    }
    try {
      await send({ type: 'result', id: msg.id, result: await inferImage(model, msg.image, msg.imageId, msg.options) });
    } catch (e) {
      await send({ type: 'error', id: msg.id, message: (e as Error).message });
    }
  });
});
