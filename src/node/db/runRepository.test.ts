import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from './openProjectDb.ts';
import { runRepository } from './runRepository.ts';
import { modelRepository } from './modelRepository.ts';
import { imageRepository } from './imageRepository.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-runs-repo-'));
const pose = (score: number): Pose => ({ score, joints: [], neck: null }) as unknown as Pose;

function project(name: string) {
  const db = openProjectDb(path.join(tmp, `${name}.sqlite`));
  for (const f of ['a.jpg', 'b.jpg'])
    imageRepository(db).insert({
      relPath: f,
      contentHash: f,
      byteSize: 1,
      width: 4,
      height: 4,
      mtimeMs: 0,
      addedAt: 0,
    });
  const model = modelRepository(db).record('m.onnx', 'mh', '{}', 0);
  return { db, runs: runRepository(db), model };
}

describe('RunRepository', () => {
  it('finds the run to complete by model and settings, and keeps a finished run finished when cancelled', () => {
    const { db, runs, model } = project('runs');
    const settings = { modelId: model, scales: [0.5, 1], flip: true, mode: 'fast' as const, provider: 'cpu', now: 5 };
    const first = runs.create(settings);
    expect(runs.get(first)).toEqual({
      id: first,
      modelId: model,
      scales: [0.5, 1],
      flip: true,
      mode: 'fast',
      provider: 'cpu',
      status: 'running',
      finishedAt: null,
    });
    expect(runs.withSettings(model, { scales: [0.5, 1], flip: true, mode: 'fast' })).toBe(first);
    expect(runs.withSettings(model, { scales: [1], flip: true, mode: 'fast' })).toBeUndefined();
    expect(runs.latestFinished()).toBeUndefined();
    runs.markCancelled(first);
    expect(runs.get(first)?.status).toBe('cancelled');
    runs.markRunning(first, 'cuda');
    runs.markDone(first, 9);
    expect(runs.get(first)).toMatchObject({ status: 'done', provider: 'cuda', finishedAt: 9 });
    runs.markCancelled(first); // it was taking images added since: what it had is whole
    expect(runs.get(first)?.status).toBe('done');
    const second = runs.create({ ...settings, flip: false });
    expect(runs.latestFinished()).toBe(first);
    expect(runs.latest()).toEqual({ id: second, status: 'running', provider: 'cpu', predictions: 0 });
    db.close();
  });

  it('keeps predictions immutable per (run, image); the latest run that has an image is its prediction', () => {
    const { db, runs, model } = project('predictions');
    const one = runs.create({ modelId: model, scales: [1], flip: false, mode: 'fast', provider: null, now: 0 });
    const two = runs.create({ modelId: model, scales: [1], flip: true, mode: 'fast', provider: null, now: 0 });
    runs.addPrediction(one, 1, 'a.jpg', [pose(0.5)], 0);
    runs.addPrediction(one, 1, 'a.jpg', [pose(0.9)], 0); // a resumed run writing it again: the first stays
    runs.addPrediction(one, 2, 'b.jpg', [], 0);
    runs.addPrediction(two, 2, 'b.jpg', [pose(0.7)], 0);
    expect(runs.latestPrediction(1)).toEqual({ runId: one, poses: [pose(0.5)] });
    expect(runs.latestPrediction(2)).toEqual({ runId: two, poses: [pose(0.7)] });
    expect(runs.predictionCount(one)).toBe(2);
    expect(runs.predictedImageIds(two)).toEqual(new Set([2]));
    expect(runs.predictionsOf(one)).toEqual(
      new Map([
        [1, [pose(0.5)]],
        [2, []],
      ]),
    );
    expect(runs.latestPrediction(99)).toBeUndefined();
    // One run's prediction of an image (the app shows the run of the project's settings, not always the latest).
    expect(runs.prediction(one, 2)).toEqual({ runId: one, poses: [] });
    expect(runs.prediction(two, 1)).toBeUndefined();
    expect(runs.all().map((r) => [r.id, r.flip, r.predictions])).toEqual([
      [two, true, 1],
      [one, false, 2],
    ]);
    db.close();
  });

  it('a prediction of content the image no longer has is not its prediction; detecting it again replaces it', () => {
    const { db, runs, model } = project('content');
    const run = runs.create({ modelId: model, scales: [1], flip: false, mode: 'fast', provider: null, now: 0 });
    runs.addPrediction(run, 1, 'a.jpg', [pose(0.5)], 0);
    const images = imageRepository(db);
    expect(images.get(1)!.latestScore).toBe(0.5);
    images.updateFile(1, { contentHash: 'a2', byteSize: 1, width: 4, height: 4, mtimeMs: 1 }); // replaced in place
    expect(runs.latestPrediction(1)).toBeUndefined();
    expect(runs.predictedImageIds(run)).toEqual(new Set()); // detection takes it again
    expect(runs.predictionsOf(run)).toEqual(new Map());
    expect(images.get(1)!.latestScore).toBeNull();
    runs.addPrediction(run, 1, 'a2', [pose(0.8)], 1);
    expect(runs.latestPrediction(1)).toEqual({ runId: run, poses: [pose(0.8)] });
    expect(images.get(1)!.latestScore).toBe(0.8);
    runs.addPrediction(run, 1, 'a2', [pose(0.1)], 2); // the same content again: the first stays
    expect(runs.latestPrediction(1)).toEqual({ runId: run, poses: [pose(0.8)] });
    db.close();
  });

  it('prepares its statements once per connection', () => {
    const { db, runs, model } = project('reuse');
    const prepare = vi.spyOn(db, 'prepare');
    const round = (i: number) => {
      const id = runs.create({ modelId: model, scales: [i], flip: false, mode: 'fast', provider: null, now: i });
      runs.addPrediction(id, 1, 'a.jpg', [pose(i / 100)], i);
      runs.latestPrediction(1);
      runs.prediction(id, 1);
      runs.all();
      runs.latest();
      runs.withSettings(model, { scales: [i], flip: false, mode: 'fast' });
      runs.markDone(id, i);
      runs.get(id);
    };
    round(1);
    const warm = prepare.mock.calls.length;
    for (let i = 2; i < 30; i++) round(i);
    expect(prepare.mock.calls.length).toBe(warm);
    db.close();
  });
});
