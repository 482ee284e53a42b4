// Child-process side of PoseEngine (see inferenceProcess.ts): the model's session on a network thread of its own
// (sessionThread.ts; ONNX Runtime's run() blocks the thread it runs on), and the rest of inferImage — image decode,
// pre-processing, the decoder — on this thread, overlapped with the network across images (imagePipeline.ts).
import { Worker } from 'node:worker_threads';
import type { ProviderName } from './executionProviders.ts';
import { ImagePipeline, type PipelineRequest } from './imagePipeline.ts';
import type { SessionThreading } from './poseModel.ts';
import { SessionThread } from './sessionThread.ts';

export type WorkerRequest = ({ type: 'infer' } & PipelineRequest & { image: string }) | { type: 'close' };

/** What the parent passes as the process's one argument (JSON). */
export type WorkerArgs = { modelPath: string; provider: ProviderName; threading?: SessionThreading };

// Nobody may be left computing when the app is gone: if the parent dies (even by kill -9) while the network thread
// is stuck in a run that never ends, this thread notices that the process was re-parented and kills it.
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

const { modelPath, provider, threading } = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
let session: SessionThread;
try {
  session = await SessionThread.start(modelPath, { provider, threading, log: (line) => send({ type: 'log', line }) });
  await send({ type: 'loaded', card: session.card, provider: session.provider });
} catch (e) {
  await send({ type: 'failed', message: (e as Error).message });
  process.exit(0);
}

const pipeline = new ImagePipeline(session, send);
process.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'infer') return pipeline.push(msg);
  await pipeline.drain();
  await session.release();
  process.exit(0);
});
