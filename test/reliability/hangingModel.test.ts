// The attack: an ONNX model whose graph never finishes (test/fixtures/model/hang.onnx, an endless Loop on any real
// image). Cancel and shutdown must stop the running inference — its worker process gone, no CPU burnt — within 2 s,
// the run marked cancelled; the server must exit on SIGINT.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { syncImages } from '../../src/node/project/syncImages.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';
import { copyModel, cpuSeconds, inferenceWorkerPids, waitFor, writeAttackImages } from '../support/processes.ts';

const HANG = path.join(MODEL_FIXTURES, 'hang.onnx');
const settings = { scales: [1], flip: false, mode: 'fast' as const };

/** A project folder with two photos, and a copy of the hanging model of its own. */
async function setup(name: string): Promise<{ root: string; model: string }> {
  const root = mkdtempSync(path.join(tmpdir(), `sp-hang-${name}-`));
  await writeAttackImages(root);
  // in the project folder: the app loads only models there, bundled or chosen (modelSource)
  return { root, model: copyModel(HANG, root, name) };
}

/**
 * Waits until the job has recorded its run and the model's worker is spinning in the endless Loop (or, with no
 * worker process to see, 3 s more). The run first: the worker's CPU time while it loads the model could pass for
 * the Loop under load, and a cancel then came before the run was recorded (no run to mark cancelled).
 */
async function spinningWorker(model: string, root: string): Promise<void> {
  await waitFor(() => runRecorded(root), 30_000, 'the run recorded');
  let pid = 0;
  const workerSeen = () => {
    pid = inferenceWorkerPids(model)[0] ?? 0;
    return pid > 0;
  };
  const found = await waitFor(workerSeen, 30_000, 'a worker process').catch(() => null); // slow under load
  if (found === null) return void (await new Promise((r) => setTimeout(r, 3000)));
  const c0 = cpuSeconds(pid);
  await waitFor(() => cpuSeconds(pid) - c0 > 0.5, 20_000, 'the worker is computing');
}

/** Whether the project in `root` has an inference run yet (read-only, beside the writer). */
function runRecorded(root: string): boolean {
  let db: Database.Database | null = null;
  try {
    db = new Database(path.join(root, '.simplepose.sqlite'), { readonly: true, fileMustExist: true });
    return (db.prepare('SELECT COUNT(*) FROM inference_runs').pluck().get() as number) > 0;
  } catch {
    return false; // not made yet, or its schema not yet
  } finally {
    db?.close();
  }
}

/** `p`, or 'timeout' after `ms`. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

describe('a model that never finishes', () => {
  it('cancelJob stops the worker within 2 s and the job finishes as cancelled', async () => {
    const { root, model } = await setup('cancel');
    const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
    await syncImages(db, root);
    const service = createProjectService(db, root);
    const finished = new Promise<{ status: string }>((resolve) => service.events.once('jobFinished', resolve));
    const { jobId } = await service.startDetect({ modelPath: model, settings });
    await spinningWorker(model, root);
    const t0 = performance.now();
    expect(await service.cancelJob({ jobId })).toEqual({ ok: true });
    expect(await within(finished, 2000)).toMatchObject({ status: 'cancelled' });
    await waitFor(
      () => inferenceWorkerPids(model).length === 0,
      Math.max(0, 2000 - (performance.now() - t0)),
      'stopped',
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(db.prepare('SELECT status FROM inference_runs').pluck().all()).toEqual(['cancelled']);
    expect(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(0);
    db.close();
  }, 60_000);

  it('shutdown() stops every running job within 2 s', async () => {
    const { root, model } = await setup('shutdown');
    const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
    await syncImages(db, root);
    const service = createProjectService(db, root);
    await service.startDetect({ modelPath: model, settings });
    await spinningWorker(model, root);
    const t0 = performance.now();
    expect(await within(service.shutdown(), 2000)).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(inferenceWorkerPids(model)).toEqual([]);
    expect(db.prepare('SELECT status FROM inference_runs').pluck().all()).toEqual(['cancelled']);
    db.close();
  }, 60_000);

  it('`simplepose serve` exits on SIGINT while detection hangs, and leaves no worker behind', async () => {
    const { root, model } = await setup('serve');
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', root, '--model', model, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const info = await new Promise<{ port: number; url: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += String(d);
          if (out.includes('\n')) resolve(JSON.parse(out.trim().split('\n')[0]));
        });
        child.once('exit', (code) => reject(new Error(`serve exited early (${code})`)));
      });
      const token = new URL(info.url).searchParams.get('token');
      const res = await fetch(`http://127.0.0.1:${info.port}/api/startDetect`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ modelPath: model, settings }),
      });
      expect(res.status).toBe(200);
      await spinningWorker(model, root);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const t0 = performance.now();
      child.kill('SIGINT');
      const code = await within(exited, 5000);
      if (code === 'timeout') child.kill('SIGKILL');
      expect(code).toBe(0);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(inferenceWorkerPids(model)).toEqual([]);
      const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
      expect(db.prepare('SELECT status FROM inference_runs').pluck().all()).toEqual(['cancelled']);
      db.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('`simplepose detect` stops on Ctrl-C (SIGINT) at once: run cancelled, worker gone, exit 1', async () => {
    const { root, model } = await setup('detect');
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'detect', root, '--model', model, '--json'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    try {
      await spinningWorker(model, root);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const t0 = performance.now();
      child.kill('SIGINT');
      expect(await within(exited, 5000)).toBe(1);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ event: 'finished', status: 'cancelled' });
      expect(inferenceWorkerPids(model)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
