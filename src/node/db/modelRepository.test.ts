import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from './openProjectDb.ts';
import { modelRepository } from './modelRepository.ts';
import { projectMetaRepository } from './projectMetaRepository.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-models-repo-'));

describe('ModelRepository', () => {
  it('records a model once per content hash (another path to the same bytes is the same model)', () => {
    const db = openProjectDb(path.join(tmp, 'models.sqlite'));
    const models = modelRepository(db);
    expect(models.latestPath()).toBeUndefined();
    const a = models.record('/m/a.onnx', 'hash-a', '{}', 1);
    expect(models.record('/elsewhere/a-copy.onnx', 'hash-a', '{}', 2)).toBe(a);
    const b = models.record('/m/b.onnx', 'hash-b', '{}', 3);
    expect(b).not.toBe(a);
    expect([models.hashOf(a), models.hashOf(b), models.hashOf(99)]).toEqual(['hash-a', 'hash-b', undefined]);
    expect(models.latestPath()).toBe('/m/b.onnx');
    const prepare = vi.spyOn(db, 'prepare');
    for (let i = 0; i < 10; i++) {
      models.record('/m/a.onnx', 'hash-a', '{}', 1);
      models.hashOf(a);
      models.latestPath();
    }
    expect(prepare).not.toHaveBeenCalled();
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
