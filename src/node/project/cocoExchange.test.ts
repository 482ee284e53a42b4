import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { exportCoco } from './cocoExchange.ts';
import { importCoco } from './cocoImport.ts';
import { AnnotationStore } from './annotationStore.ts';
import { EditHistory } from '../../core/edit/editHistory.ts';
import { moveJoint, addPerson, placeJoint } from '../../core/edit/poseEdits.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { SHARED_ROOT } from '../../../test/support/fixturePaths.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';

const SETS = [
  ['coco-mini/annotations/person_keypoints_train2017.json', 'coco-mini/train2017'],
  ['coco-mini/annotations/person_keypoints_val2017.json', 'coco-mini/val2017'],
  ['mmpose-tests/coco/test_coco.json', 'mmpose-tests/coco'],
].map(([a, d]) => [path.join(SHARED_ROOT, 'data', a), path.join(SHARED_ROOT, 'data', d)]);
const newProject = () => openProjectDb(path.join(mkdtempSync(path.join(tmpdir(), 'sp-coco-')), 'p.sqlite'));

describe('COCO import/export', () => {
  for (const [ann, dir] of SETS) {
    it(`import(export(x)) == x for ${path.basename(ann)} (v = 1, crowd persons and empty images kept)`, async () => {
      const db = newProject();
      const original = JSON.parse(readFileSync(ann, 'utf8'));
      const r = await importCoco(db, ann, dir);
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
  it('exports edits, new persons with fresh ids and derived areas, only-reviewed images, and lists missing files', async () => {
    const db = newProject();
    const [ann, dir] = SETS[2];
    const original = JSON.parse(readFileSync(ann, 'utf8'));
    const broken = {
      ...original,
      images: [...original.images, { id: 999, file_name: 'gone.jpg', width: 10, height: 10 }],
    };
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'sp-cocoin-')), 'in.json');
    writeFileSync(f, JSON.stringify(broken));
    expect((await importCoco(db, f, dir)).missingFiles).toEqual(['gone.jpg']);
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
  it('malformed COCO is refused with its violations and changes nothing', async () => {
    const db = newProject();
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'sp-cocobad-')), 'bad.json');
    writeFileSync(
      f,
      JSON.stringify({ images: [{ id: 0, file_name: 'a.jpg', width: 1, height: 1 }], annotations: [], categories: [] }),
    );
    await expect(importCoco(db, f, path.dirname(f))).rejects.toThrow(/images\[0\]\.id/);
    await expect(importCoco(db, path.join(path.dirname(f), 'none.json'), '.')).rejects.toThrow(
      /cannot be read \(no such file\)/,
    );
    expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(0);
    db.close();
  });
});

/** Every row of the tables an import writes, for "nothing changed" checks. */
function dump(db: ProjectDb): unknown {
  return Object.fromEntries(
    ['images', 'annotations', 'edits', 'project_meta'].map((t) => [
      t,
      db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all(),
    ]),
  );
}
const writeJson = (data: unknown) => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'sp-coco-')), 'in.json');
  writeFileSync(f, JSON.stringify(data));
  return f;
};

describe('COCO re-import', () => {
  const [ann, dir] = SETS[2];
  const original = JSON.parse(readFileSync(ann, 'utf8'));
  it('the same file twice: the second changes nothing and says so (an import killed after its commit re-runs)', async () => {
    const db = newProject();
    const first = await importCoco(db, ann, dir);
    expect(first.changes).toMatchObject({ imagesAdded: 4, personsAdded: original.annotations.length });
    const before = dump(db);
    const again = await importCoco(db, ann, dir);
    expect(again.changes).toEqual({
      imagesAdded: 0,
      imagesUpdated: 0,
      imagesUnchanged: 4,
      personsAdded: 0,
      personsUpdated: 0,
      personsRemoved: 0,
      datasetUpdated: false,
      personsKept: 0,
    });
    expect(dump(db)).toEqual(before);
    db.close();
  });
  it("the project's own export (edited persons, persons made in the app) imports back as no change", async () => {
    const db = newProject();
    await importCoco(db, ann, dir);
    const store = new AnnotationStore(db);
    const imageId = db.prepare('SELECT id FROM images ORDER BY id LIMIT 1').pluck().get() as number;
    let s = store.load(imageId).state;
    s = store.apply(imageId, moveJoint(s, s.order[0], 0, 12.5, 30), 'move').state;
    s = store.apply(imageId, addPerson(s, 'mine'), 'add').state;
    store.apply(imageId, placeJoint(s, 'mine', 5, 40, 50), 'place');
    const exported = exportCoco(db);
    const before = dump(db);
    const r = await importCoco(db, writeJson(exported), dir);
    expect(r.changes).toMatchObject({ imagesUpdated: 0, personsAdded: 0, personsUpdated: 0, personsRemoved: 0 });
    expect(r.changes.datasetUpdated).toBe(false);
    expect(dump(db)).toEqual(before);
    expect(exportCoco(db)).toEqual(exported);
    // Provenance survives: the app's person is still the app's.
    expect(store.load(imageId).state.persons.mine.joints[5]).toMatchObject({ x: 40, y: 50, source: 'human' });
    db.close();
  });
  it('a changed file updates what differs, says what, one undoable edit per changed image', async () => {
    const db = newProject();
    await importCoco(db, ann, dir);
    const changed = structuredClone(original);
    const a0 = changed.annotations[0];
    a0.keypoints[3 * 16] += 1.5; // moved ankle
    const gone = changed.annotations.findIndex((a: { image_id: number }) => a.image_id !== a0.image_id);
    const goneImage = changed.annotations[gone].image_id;
    changed.annotations.splice(gone, 1);
    changed.annotations.push({ ...structuredClone(a0), id: 987654, num_keypoints: a0.num_keypoints });
    const r = await importCoco(db, writeJson(changed), dir);
    expect(r.changes).toMatchObject({ personsAdded: 1, personsUpdated: 1, personsRemoved: 1, datasetUpdated: false });
    expect(r.changes.imagesUpdated).toBe(a0.image_id === goneImage ? 1 : 2);
    expect(exportCoco(db).annotations.find((a) => a.id === a0.id)?.keypoints[48]).toBe(a0.keypoints[48]);
    const store = new AnnotationStore(db);
    const id = db
      .prepare('SELECT id FROM images WHERE rel_path = ?')
      .pluck()
      .get(original.images.find((i: { id: number }) => i.id === a0.image_id).file_name) as number;
    const v = store.view(id);
    const undo = new EditHistory(v.state, v.history).undo()!;
    expect(undo.label).toBe('import COCO');
    store.save(id, [undo], { baseRevision: v.revision });
    expect(exportCoco(db).annotations.find((a) => a.id === a0.id)?.keypoints[48]).toBe(
      original.annotations[0].keypoints[48],
    );
    db.close();
  });
  it('refuses, importing nothing: duplicate file names, ids other images of the project export under', async () => {
    const db = newProject();
    const dup = structuredClone(original);
    dup.images[1].file_name = dup.images[0].file_name;
    await expect(importCoco(db, writeJson(dup), dir)).rejects.toThrow(
      /images\[1\]\.file_name: ".*" is also the file_name of images\[0\]/,
    );
    expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(0);
    await importCoco(db, ann, dir);
    const before = dump(db);
    const other = {
      images: [{ id: original.images[0].id, file_name: 'other.jpg', width: 10, height: 10 }],
      annotations: [
        {
          ...original.annotations[0],
          image_id: original.images[0].id,
          keypoints: new Array(3 * COCO_KEYPOINTS.length).fill(0),
          num_keypoints: 0,
        },
      ],
      categories: original.categories,
    };
    const e = await (async () => {
      try {
        await importCoco(db, writeJson(other), dir);
      } catch (x) {
        return (x as Error).message;
      }
      return 'imported';
    })();
    expect(e).toMatch(/nothing was imported.*images\[0\]\.id: \d+ is already the id of .* in this project/);
    expect(e).toMatch(/annotations\[0\]\.id: \d+ is already the id of a person of /);
    expect(dump(db)).toEqual(before);
    db.close();
  });
});
