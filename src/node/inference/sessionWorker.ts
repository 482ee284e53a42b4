// The network thread of the inference worker process (see sessionThread.ts): owns the ONNX Runtime session, whose
// run() blocks the thread it is called on, and runs the inputs it is sent one after another, in the order sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPoseModel, ortMessage, type PoseModel } from './poseModel.ts';
import type { SessionReply, SessionRequest, SessionWorkerData } from './sessionThread.ts';

const port = parentPort!;
const post = (m: SessionReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const { modelPath, provider, threading } = workerData as SessionWorkerData;
let model: PoseModel | null = null;
try {
  model = await loadPoseModel(modelPath, { provider, threading, log: (line) => post({ type: 'log', line }) });
  post({ type: 'loaded', card: model.card, provider: model.provider });
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
}

if (model) {
  const session = model;
  port.on('message', async (m: SessionRequest) => {
    if (m.type === 'release') {
      await session.release();
      post({ type: 'released' });
      return;
    }
    const t = performance.now();
    try {
      const out = await session.run(m.input);
      const ms = performance.now() - t;
      post({ type: 'ran', id: m.id, data: out.data, dims: out.dims, ms }, [out.data.buffer as ArrayBuffer]);
    } catch (e) {
      post({ type: 'runError', id: m.id, message: ortMessage(e) });
    }
  });
}
