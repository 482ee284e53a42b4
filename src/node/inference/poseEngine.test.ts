// A model that never finishes (test/fixtures/model/hang.onnx: an ONNX Loop whose condition stays true for any input
// wider than 256 px) must not hang anyone: stop and the per-image time limit kill its worker process.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { InferenceCancelledError, InferenceTimeoutError, PoseEngine } from './poseEngine.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';
import {
  childPids,
  copyModel,
  inferenceWorkerPids,
  isAlive,
  waitFor,
  writeAttackImages,
} from '../../../test/support/processes.ts';

const HANG = path.join(MODEL_FIXTURES, 'hang.onnx');
const small = { scales: [0.25], flip: false, mode: 'fast' as const };
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-engine-'));
const images = writeAttackImages(tmp);

describe('PoseEngine on a model that never finishes', () => {
  it('stop() kills the worker within 2 s; the image in flight and the queued ones reject as cancelled', async () => {
    const { square, wide } = await images;
    const engine = await PoseEngine.start(HANG, { provider: 'cpu' });
    expect((await engine.infer(square, 1, small)).imageId).toBe(1); // the graph itself works
    const pid = engine.workerPid!;
    const stuck = engine.infer(wide, 2, small);
    const queued = engine.infer(square, 3, small);
    await new Promise((r) => setTimeout(r, 400)); // it is inside the endless Loop now
    expect(isAlive(pid)).toBe(true);
    const t0 = performance.now();
    await engine.stop();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(isAlive(pid)).toBe(false);
    await expect(stuck).rejects.toBeInstanceOf(InferenceCancelledError);
    await expect(queued).rejects.toBeInstanceOf(InferenceCancelledError);
    await expect(engine.infer(square, 4, small)).rejects.toThrow(/cancelled/);
  });
  it('an abort signal stops it the same way', async () => {
    const { wide } = await images;
    const controller = new AbortController();
    const engine = await PoseEngine.start(HANG, { provider: 'cpu', signal: controller.signal });
    const pid = engine.workerPid!;
    const stuck = engine.infer(wide, 1, small);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await expect(stuck).rejects.toBeInstanceOf(InferenceCancelledError);
    await waitFor(() => !isAlive(pid), 2000, 'worker stopped');
  });
  it('the per-image time limit fails that image with a message and a fresh worker takes the next one', async () => {
    const { square, wide } = await images;
    const engine = await PoseEngine.start(HANG, { provider: 'cpu', imageTimeLimitMs: 1000 });
    const first = engine.workerPid!;
    const t0 = performance.now();
    const err = await engine.infer(wide, 1, small).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InferenceTimeoutError);
    expect((err as Error).message).toMatch(/b-wide\.png: stopped after 1 s \(the time limit per image\)/);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(isAlive(first)).toBe(false);
    expect((await engine.infer(square, 2, small)).imageId).toBe(2);
    expect(engine.workerPid).not.toBe(first);
    await engine.close();
  });
  it('images sent behind one that runs out of time are not failed with it: each has its own limit, on a fresh worker', async () => {
    // Two images are in the worker at once (the next one is pre-processed while the network runs): the one in
    // flight is the one a time-out or crash is charged to, and its time limit starts when it is in flight.
    const { square, wide } = await images;
    const engine = await PoseEngine.start(HANG, { provider: 'cpu', imageTimeLimitMs: 1000 });
    const t0 = performance.now();
    const at = (p: Promise<unknown>) =>
      p.then(
        (v) => ({ v, ms: performance.now() - t0 }),
        (v: Error) => ({ v, ms: performance.now() - t0 }),
      );
    const [a, b, c] = [
      at(engine.infer(wide, 1, small)),
      at(engine.infer(wide, 2, small)),
      at(engine.infer(square, 3, small)),
    ];
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra.v).toBeInstanceOf(InferenceTimeoutError);
    expect(rb.v).toBeInstanceOf(InferenceTimeoutError);
    expect((rb.v as Error).message).toMatch(/stopped after 1 s/);
    expect(rb.ms - ra.ms).toBeGreaterThan(900); // its own second, on the fresh worker, not the first image's
    expect((rc.v as { imageId: number }).imageId).toBe(3);
    await engine.close();
  }, 30_000);
  it('a worker that died while idle is replaced: the next image is not failed for it', async () => {
    const { square } = await images;
    const engine = await PoseEngine.start(HANG, { provider: 'cpu' });
    const pid = engine.workerPid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 2000, 'worker gone');
    await new Promise((r) => setTimeout(r, 50)); // its exit reaches the engine
    expect((await engine.infer(square, 1, small)).imageId).toBe(1);
    expect(engine.workerPid).not.toBe(pid);
    await engine.close();
  });
  it('a worker whose parent is killed with SIGKILL mid-run stops itself (no orphan left at 100 % CPU)', async () => {
    const { wide } = await images;
    const cli = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'infer', wide, '--model', HANG, '--provider', 'cpu'],
      { stdio: 'ignore' },
    );
    let worker = 0;
    await waitFor(
      () => {
        worker = childPids(cli.pid!)[0] ?? 0;
        return worker > 0;
      },
      20_000,
      'infer started its worker',
    );
    await new Promise((r) => setTimeout(r, 1500)); // loaded and inside the endless Loop
    const exited = new Promise((r) => cli.once('exit', r));
    cli.kill('SIGKILL');
    await exited;
    await waitFor(() => !isAlive(worker), 3000, 'orphaned worker gone');
  }, 30_000);
  it('a model whose test run at load never finishes: the start is cancellable and has a time limit', async () => {
    // pad_multiple 128: the loader's probe input is 128×384, wider than 256 px, so the probe itself never ends.
    const model = copyModel(HANG, tmp, 'hang-at-load');
    const card = JSON.parse(readFileSync(model.replace(/\.onnx$/, '.card.json'), 'utf8'));
    card.input.pad_multiple = 128;
    writeFileSync(model.replace(/\.onnx$/, '.card.json'), JSON.stringify(card));
    const controller = new AbortController();
    const starting = PoseEngine.start(model, { provider: 'cpu', signal: controller.signal });
    await waitFor(() => inferenceWorkerPids(model).length > 0, 20_000, 'worker started');
    await new Promise((r) => setTimeout(r, 1000));
    controller.abort();
    await expect(starting).rejects.toBeInstanceOf(InferenceCancelledError);
    await waitFor(() => inferenceWorkerPids(model).length === 0, 2000, 'worker stopped');
    await expect(PoseEngine.start(model, { provider: 'cpu', loadTimeoutMs: 1500 })).rejects.toThrow(
      /hang-at-load\.onnx: the model did not load within 1\.5 s/,
    );
    expect(inferenceWorkerPids(model)).toEqual([]);
  }, 30_000);
});
