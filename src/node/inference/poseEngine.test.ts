// A model that never finishes (test/fixtures/model/hang.onnx: an ONNX Loop whose condition stays true for any input
// wider than 256 px) must not hang anyone: stop and the per-image time limit kill its worker process.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { InferenceCancelledError, InferenceTimeoutError, PoseEngine } from './poseEngine.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';
import { childPids, isAlive, waitFor, writeAttackImages } from '../../../test/support/processes.ts';

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
});
