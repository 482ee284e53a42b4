import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { exportCoco, importCoco } from './cocoExchange.ts';
import { AnnotationStore } from './annotationStore.ts';
import { moveJoint, addPerson, placeJoint } from '../../core/edit/poseEdits.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';
import { SHARED_ROOT } from '../../../test/support/fixturePaths.ts';

const SETS = [
  ['coco-mini/annotations/person_keypoints_train2017.json', 'coco-mini/train2017'],
  ['coco-mini/annotations/person_keypoints_val2017.json', 'coco-mini/val2017'],
  ['mmpose-tests/coco/test_coco.json', 'mmpose-tests/coco'],
].map(([a, d]) => [path.join(SHARED_ROOT, 'data', a), path.join(SHARED_ROOT, 'data', d)]);
const newProject = () => openProjectDb(path.join(mkdtempSync(path.join(tmpdir(), 'sp-coco-')), 'p.sqlite'));

describe('COCO import/export', () => {
  for (const [ann, dir] of SETS) {
    it(`import(export(x)) == x for ${path.basename(ann)} (v = 1, crowd persons and empty images kept)`, () => {
      const db = newProject();
      const original = JSON.parse(readFileSync(ann, 'utf8'));
      const r = importCoco(db, ann, dir);
      expect(r).toMatchObject({
        images: original.images.length,
        persons: original.annotations.length,
        missingFiles: [],
      });
      const out = exportCoco(db);
      expect(out).toEqual(original);
      expect(validateCocoGt(out).filter((v) => v.severity === 'error')).toEqual([]);
      db.close();
    });
  }
  it('exports edits, new persons with fresh ids and derived areas, only-reviewed images, and lists missing files', () => {
    const db = newProject();
    const [ann, dir] = SETS[2];
    const original = JSON.parse(readFileSync(ann, 'utf8'));
    const broken = {
      ...original,
      images: [...original.images, { id: 999, file_name: 'gone.jpg', width: 10, height: 10 }],
    };
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'sp-cocoin-')), 'in.json');
    writeFileSync(f, JSON.stringify(broken));
    expect(importCoco(db, f, dir).missingFiles).toEqual(['gone.jpg']);
    const store = new AnnotationStore(db);
    const imageId = db
      .prepare('SELECT id FROM images WHERE rel_path = ?')
      .pluck()
      .get(original.images[0].file_name) as number;
    let s = store.load(imageId).state;
    const first = s.order[0];
    s = store.apply(imageId, moveJoint(s, first, 0, 12.25, 34.5), 'move').state;
    s = store.apply(imageId, addPerson(s, 'new1'), 'add').state;
    s = store.apply(imageId, placeJoint(s, 'new1', 5, 100, 120), 'place').state;
    store.apply(imageId, placeJoint(s, 'new1', 6, 140, 125), 'place');
    db.prepare("UPDATE images SET status = 'accepted' WHERE id = ?").run(imageId);
    const out = exportCoco(db);
    const anns = out.annotations.filter((a) => a.image_id === original.images[0].id);
    expect(anns[0].keypoints.slice(0, 3)).toEqual([12.25, 34.5, 2]);
    const added = anns[anns.length - 1];
    expect(added).toMatchObject({
      id: Math.max(...original.annotations.map((a: { id: number }) => a.id)) + 1,
      num_keypoints: 2,
      iscrowd: 0,
      bbox: [100, 120, 40, 5],
      area: 200,
    });
    expect(out.info?.area_source).toMatch(/bounding box/);
    const reviewed = exportCoco(db, { onlyReviewed: true });
    expect(reviewed.images.map((i) => i.id)).toEqual([original.images[0].id]);
    expect(validateCocoGt(reviewed).filter((v) => v.severity === 'error')).toEqual([]);
    db.close();
  });
  it('malformed COCO is refused with its violations and changes nothing', () => {
    const db = newProject();
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'sp-cocobad-')), 'bad.json');
    writeFileSync(
      f,
      JSON.stringify({ images: [{ id: 0, file_name: 'a.jpg', width: 1, height: 1 }], annotations: [], categories: [] }),
    );
    expect(() => importCoco(db, f, path.dirname(f))).toThrow(/images\[0\]\.id/);
    expect(() => importCoco(db, path.join(path.dirname(f), 'none.json'), '.')).toThrow(/cannot be read \(ENOENT\)/);
    expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(0);
    db.close();
  });
});
