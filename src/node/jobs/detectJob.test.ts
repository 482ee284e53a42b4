import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from '../project/syncImages.ts';
import { runDetectJob, type DetectProgress } from './detectJob.ts';
import { runRepository } from '../db/runRepository.ts';
import { writeAttackImages } from '../../../test/support/processes.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';

const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const settings = { scales: [0.25], flip: false, mode: 'fast' as const };

async function folder(n: number): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-detect-'));
  for (let i = 0; i < n; i++) {
    writeFileSync(
      path.join(root, `img${i}.png`),
      await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 20 * i, g: 90, b: 160 } } })
        .png()
        .toBuffer(),
    );
  }
  return root;
}

describe('runDetectJob', () => {
  it('predicts every image once, reports progress, caches maps; cancel then resume continues the same run', async () => {
    const root = await folder(4);
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const controller = new AbortController();
    const seen: DetectProgress[] = [];
    const first = await runDetectJob(db, {
      modelPath: MODEL,
      root,
      settings,
      provider: 'cpu',
      cacheDir: path.join(root, '.cache'),
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.done === 2) controller.abort();
      },
    });
    expect(first).toMatchObject({ status: 'cancelled', done: 2, total: 4 });
    expect(seen[0]).toMatchObject({ done: 1, total: 4 });
    expect(seen[0].imagesPerSecond).toBeGreaterThan(0);
    const second = await runDetectJob(db, {
      modelPath: MODEL,
      root,
      settings,
      provider: 'cpu',
      cacheDir: path.join(root, '.cache'),
    });
    expect(second).toMatchObject({ status: 'done', done: 4, total: 4, runId: first.runId });
    expect(db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(first.runId)).toBe(4);
    expect(db.prepare('SELECT COUNT(*) FROM map_cache').pluck().get()).toBe(4);
    expect(db.prepare('SELECT status FROM inference_runs WHERE id = ?').pluck().get(first.runId)).toBe('done');
    db.close();
  });
  it('survives kill -9 of `simplepose detect` at any moment: the rerun finishes with every image exactly once', async () => {
    const root = await folder(8);
    const project = path.join(root, '.p.sqlite');
    const args = [
      path.join(PROJECT_ROOT, 'bin', 'simplepose.js'),
      'detect',
      root,
      '--model',
      MODEL,
      '--project',
      project,
      '--scales',
      '0.25',
      '--provider',
      'cpu',
      '--json',
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('"event":"progress"') && out.includes('"done":3')) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' || code !== null ? resolve() : reject(new Error('no exit')),
      );
    });
    const db = openProjectDb(project);
    const partial = db.prepare('SELECT COUNT(*) FROM predictions').pluck().get() as number;
    db.close();
    expect(partial).toBeGreaterThanOrEqual(3);
    const rerun = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.on('exit', () => resolve(out));
    });
    expect(rerun.trim().split('\n').at(-1)).toMatch(/"event":"finished".*"done":8,"total":8.*"status":"done"/);
    const db2 = openProjectDb(project);
    expect(db2.prepare('SELECT COUNT(*), COUNT(DISTINCT image_id) FROM predictions').raw().get()).toEqual([8, 8]);
    expect(db2.prepare('SELECT COUNT(*) FROM inference_runs').pluck().get()).toBe(1);
    db2.close();
  }, 120_000);
  it('running again on a finished run only does the images added since; rerun starts a new run over all', async () => {
    const root = await folder(3);
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const base = { modelPath: MODEL, root, settings, provider: 'cpu' as const, cacheDir: path.join(root, '.cache') };
    const first = await runDetectJob(db, base);
    expect(first).toMatchObject({ status: 'done', done: 3, total: 3 });
    const again: DetectProgress[] = [];
    const second = await runDetectJob(db, { ...base, onProgress: (p) => again.push(p) });
    expect(second).toMatchObject({ status: 'done', done: 3, total: 3, runId: first.runId });
    expect(again).toEqual([]); // nothing was inferred
    writeFileSync(
      path.join(root, 'new.png'),
      await sharp({ create: { width: 80, height: 60, channels: 3, background: '#345' } })
        .png()
        .toBuffer(),
    );
    await syncImages(db, root);
    const third = await runDetectJob(db, { ...base, onProgress: (p) => again.push(p) });
    expect(third).toMatchObject({ status: 'done', done: 4, total: 4, runId: first.runId });
    expect(again.map((p) => p.lastImage)).toEqual(['new.png']);
    const stop = new AbortController();
    for (const name of ['newer1.png', 'newer2.png'])
      writeFileSync(path.join(root, name), await sharp(path.join(root, 'new.png')).flop().png().toBuffer());
    await syncImages(db, root);
    const cancelled = await runDetectJob(db, { ...base, signal: stop.signal, onProgress: () => stop.abort() });
    expect(cancelled).toMatchObject({ status: 'cancelled', runId: first.runId, done: 5, total: 6 });
    expect(runRepository(db).latestFinished()).toBe(first.runId); // what it had stays exportable
    const other = await runDetectJob(db, { ...base, settings: { ...settings, flip: true } });
    expect(other.runId).not.toBe(first.runId); // other settings: their own run
    const rerun = await runDetectJob(db, { ...base, rerun: true });
    expect(rerun).toMatchObject({ status: 'done', done: 6, total: 6 });
    expect(rerun.runId).toBeGreaterThan(other.runId);
    expect(db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(first.runId)).toBe(5);
    expect(runRepository(db).latestFinished()).toBe(rerun.runId);
    db.close();
  });
  it('a map cache that cannot be written fails the image: never a prediction without its maps', async () => {
    const root = await folder(2);
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const cacheDir = path.join(root, '.cache');
    writeFileSync(cacheDir, 'a file where the cache folder should be');
    const log: string[] = [];
    const r = await runDetectJob(db, {
      modelPath: MODEL,
      root,
      settings,
      provider: 'cpu',
      cacheDir,
      log: (l) => log.push(l),
    });
    expect(r).toMatchObject({ status: 'done', done: 0, failed: 2 });
    expect(log.join('\n')).toMatch(/img0\.png: not stored \(.*\.cache/);
    expect(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(0);
    db.close();
  });
  it('an image past the time limit fails with a message and the job goes on (hanging model)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-detect-hang-'));
    await writeAttackImages(root); // a-square.png finishes, b-wide.png never does
    writeFileSync(
      path.join(root, 'c-square.png'),
      await sharp(path.join(root, 'a-square.png')).flip().png().toBuffer(),
    );
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const log: string[] = [];
    const t0 = performance.now();
    const r = await runDetectJob(db, {
      modelPath: path.join(MODEL_FIXTURES, 'hang.onnx'),
      root,
      settings,
      provider: 'cpu',
      cacheDir: path.join(root, '.cache'),
      imageTimeLimitMs: 1000,
      log: (l) => log.push(l),
    });
    expect(r).toMatchObject({ status: 'done', done: 2, failed: 1, total: 3 });
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(log.join('\n')).toMatch(/b-wide\.png: .*stopped after 1 s \(the time limit per image\)/);
    expect(
      db.prepare('SELECT rel_path FROM predictions p JOIN images i ON i.id = p.image_id ORDER BY 1').pluck().all(),
    ).toEqual(['a-square.png', 'c-square.png']);
    db.close();
  }, 30_000);
  it('maps with NaN or Inf fail the image with "the model produced invalid maps" (no empty prediction stored)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-detect-nan-'));
    await writeAttackImages(root);
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const log: string[] = [];
    const r = await runDetectJob(db, {
      modelPath: path.join(MODEL_FIXTURES, 'nan.onnx'),
      root,
      settings,
      provider: 'cpu',
      log: (l) => log.push(l),
    });
    expect(r).toMatchObject({ status: 'done', done: 1, failed: 1 });
    expect(log.join('\n')).toMatch(
      /b-wide\.png: .*the model produced invalid maps at scale 0\.25: \d+ of \d+ values are NaN or infinite/,
    );
    expect(existsSync(path.join(root, '.cache'))).toBe(false);
    expect(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(1);
    db.close();
  });

  it('each image is announced in the order of the images, a failed one too (the worker runs ahead of the store)', async () => {
    // Pipelined, the worker answers a fast failure (an image too thin to scale: refused before the network) while
    // the image before it is still in the network; announced then, the app's list showed it out of order.
    const root = mkdtempSync(path.join(tmpdir(), 'sp-detect-order-'));
    const png = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: { r: 90, g: 90, b: 160 } } })
        .png()
        .toBuffer();
    writeFileSync(path.join(root, 'a.png'), await png(480, 320));
    writeFileSync(path.join(root, 'b.png'), await png(1, 2000));
    writeFileSync(path.join(root, 'c.png'), await png(480, 320));
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const announced: string[] = [];
    const r = await runDetectJob(db, {
      modelPath: MODEL,
      root,
      settings: { scales: [1], flip: true, mode: 'fast' },
      provider: 'cpu',
      cacheDir: path.join(root, '.cache'),
      onImage: (im) => announced.push(`${im.relPath} ${'error' in im ? 'failed' : 'stored'}`),
      onProgress: (p) => announced.push(`progress ${p.done + p.failed}`),
    });
    expect(r).toMatchObject({ status: 'done', done: 2, failed: 1 });
    expect(announced).toEqual([
      'a.png stored',
      'progress 1',
      'b.png failed',
      'progress 2',
      'c.png stored',
      'progress 3',
    ]);
    db.close();
  });
});
