import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from '../project/syncImages.ts';
import { runDetectJob, type DetectProgress } from './detectJob.ts';
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
});
