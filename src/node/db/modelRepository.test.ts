import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from './openProjectDb.ts';
import { modelRepository } from './modelRepository.ts';
import { projectMetaRepository } from './projectMetaRepository.ts';
import { detectSettingsRepository } from './detectSettingsRepository.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-models-repo-'));

describe('ModelRepository', () => {
  it('records a model once per content hash (another path to the same bytes is the same model)', () => {
    const db = openProjectDb(path.join(tmp, 'models.sqlite'));
    const models = modelRepository(db);
    const a = models.record('/m/a.onnx', 'hash-a', '{}', 1);
    expect(models.record('/elsewhere/a-copy.onnx', 'hash-a', '{}', 2)).toBe(a);
    const b = models.record('/m/b.onnx', 'hash-b', '{}', 3);
    expect(b).not.toBe(a);
    expect([models.hashOf(a), models.hashOf(b), models.hashOf(99)]).toEqual(['hash-a', 'hash-b', undefined]);
    expect(models.byPath('/m/b.onnx')?.id).toBe(b);
    expect(models.byPath('/elsewhere/a-copy.onnx')).toBeUndefined(); // recorded under its first path
    const prepare = vi.spyOn(db, 'prepare');
    for (let i = 0; i < 10; i++) {
      models.record('/m/a.onnx', 'hash-a', '{}', 1);
      models.hashOf(a);
      models.byPath('/m/a.onnx');
    }
    expect(prepare).not.toHaveBeenCalled();
    db.close();
  });

  it('registers a model in the project (its path and card as written), once; a run-only model is not listed', () => {
    const db = openProjectDb(path.join(tmp, 'registered.sqlite'));
    const models = modelRepository(db);
    const ran = models.record('/bundled.onnx', 'hash-r', '{}', 1);
    const mine = models.record('.simplepose-models/mine.onnx', 'hash-m', '{"stride":4}', 2);
    expect(models.registered()).toEqual([]);
    models.register(mine, '.simplepose-models/mine.onnx', '{"training":{}}', 10);
    models.register(mine, 'moved/mine.onnx', '{"training":{"epochs":1}}', 20); // registered at 10 still
    expect(models.registered()).toEqual([
      {
        id: mine,
        path: 'moved/mine.onnx',
        contentHash: 'hash-m',
        cardJson: '{"stride":4}',
        registeredAt: 10,
        rawCardJson: '{"training":{"epochs":1}}',
      },
    ]);
    expect(models.get(ran)).toMatchObject({ path: '/bundled.onnx', registeredAt: null, rawCardJson: null });
    expect(models.get(99)).toBeUndefined();
    const prepare = vi.spyOn(db, 'prepare');
    for (let i = 0; i < 10; i++) {
      models.register(mine, 'moved/mine.onnx', null, i);
      models.registered();
      models.get(mine);
    }
    expect(prepare).not.toHaveBeenCalled();
    db.close();
  });
});

describe('DetectSettingsRepository', () => {
  it('keeps one row: the settings and the model in use (none stored: undefined, the defaults apply)', () => {
    const db = openProjectDb(path.join(tmp, 'settings.sqlite'));
    const stored = detectSettingsRepository(db);
    expect(stored.get()).toBeUndefined();
    const model = modelRepository(db).record('/m.onnx', 'h', '{}', 0);
    stored.put({ settings: { scales: [0.5, 1], flip: false, mode: 'reference' }, modelId: model }, 1);
    stored.put({ settings: { scales: [1], flip: true, mode: 'fast' }, modelId: null }, 2);
    expect(stored.get()).toEqual({ settings: { scales: [1], flip: true, mode: 'fast' }, modelId: null });
    expect(() => stored.put({ settings: { scales: [1], flip: true, mode: 'fast' }, modelId: 99 }, 3)).toThrow(
      /FOREIGN KEY/,
    );
    const prepare = vi.spyOn(db, 'prepare');
    for (let i = 0; i < 10; i++) {
      stored.put({ settings: { scales: [i + 1], flip: true, mode: 'fast' }, modelId: model }, i);
      stored.get();
    }
    expect(prepare).not.toHaveBeenCalled();
    expect(stored.get()).toEqual({ settings: { scales: [10], flip: true, mode: 'fast' }, modelId: model });
    db.close();
  });
});

describe('ProjectMetaRepository', () => {
  it('stores the project folder as text and the dataset fields as JSON; statements prepared once', () => {
    const db = openProjectDb(path.join(tmp, 'meta.sqlite'));
    const meta = projectMetaRepository(db);
    expect([meta.root(), meta.json('coco_info')]).toEqual([undefined, undefined]);
    meta.setRoot('/data/photos');
    meta.setJson('coco_info', { year: 2017 });
    meta.setJson('coco_licenses', null);
    meta.setRoot('/data/moved');
    expect([meta.root(), meta.json('coco_info'), meta.json('coco_licenses')]).toEqual([
      '/data/moved',
      { year: 2017 },
      null,
    ]);
    const prepare = vi.spyOn(db, 'prepare');
    for (let i = 0; i < 10; i++) {
      meta.setJson('k', i);
      meta.json('k');
      meta.root();
    }
    expect(prepare).not.toHaveBeenCalled();
    expect(meta.json('k')).toBe(9);
    db.close();
  });
});
