// Attack on issue 10: import a GT file, move a joint, accept the image, import the same file again — the import said
// "1 person updated", put the joint back to the file's value and left the image "accepted": the correction was gone
// and the acceptance now vouched for ground truth nobody had looked at. A re-import now takes the file's values
// only for persons the project still has exactly as the last import left them; edited persons and persons made in
// the project are kept and listed; an accepted image whose persons the import changes goes back to in_progress.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb, type ProjectDb } from '../../src/node/db/openProjectDb.ts';
import { importCoco } from '../../src/node/project/cocoImport.ts';
import { exportCoco } from '../../src/node/project/cocoExchange.ts';
import { AnnotationStore } from '../../src/node/project/annotationStore.ts';
import { imageRepository } from '../../src/node/db/imageRepository.ts';
import { EditHistory } from '../../src/core/edit/editHistory.ts';
import { addPerson, moveJoint, placeJoint } from '../../src/core/edit/poseEdits.ts';
import { main, type CliIo } from '../../src/cli/main.ts';
import { SHARED_ROOT } from '../support/fixturePaths.ts';

const ANN = path.join(SHARED_ROOT, 'data/mmpose-tests/coco/test_coco.json');
const DIR = path.join(SHARED_ROOT, 'data/mmpose-tests/coco');
const original = JSON.parse(readFileSync(ANN, 'utf8'));
const tmp = () => mkdtempSync(path.join(tmpdir(), 'sp-reimport-'));
const writeJson = (data: unknown) => {
  const f = path.join(tmp(), 'gt.json');
  writeFileSync(f, JSON.stringify(data));
  return f;
};

/** The project image of the file's first annotation, the person it became and its store. */
async function setUp(): Promise<{
  db: ProjectDb;
  store: AnnotationStore;
  imageId: number;
  personId: string;
  fileName: string;
}> {
  const db = openProjectDb(path.join(tmp(), 'p.sqlite'));
  await importCoco(db, ANN, DIR);
  const a0 = original.annotations[0];
  const fileName = original.images.find((i: { id: number }) => i.id === a0.image_id).file_name as string;
  const imageId = imageRepository(db).byPath(fileName)!.id;
  return { db, store: new AnnotationStore(db), imageId, personId: `c${a0.id}`, fileName };
}
const joint = (s: AnnotationStore, imageId: number, personId: string, k: number) =>
  s.load(imageId).state.persons[personId].joints[k];

describe('re-importing a GT file after review', () => {
  it('the same file keeps a joint moved and an image accepted in the project, and says which person it kept', async () => {
    const { db, store, imageId, personId, fileName } = await setUp();
    const k = original.annotations[0].keypoints.findIndex(
      (_: number, i: number, kp: number[]) => i % 3 === 2 && kp[i] > 0,
    );
    const j = (k - 2) / 3;
    const s = store.load(imageId).state;
    const moved = { x: s.persons[personId].joints[j]!.x + 7, y: s.persons[personId].joints[j]!.y + 3 };
    store.apply(imageId, moveJoint(s, personId, j, moved.x, moved.y), 'move');
    imageRepository(db).setStatus(imageId, 'accepted');
    const r = await importCoco(db, ANN, DIR);
    expect(joint(store, imageId, personId, j)).toMatchObject(moved);
    expect(r.changes).toMatchObject({ personsUpdated: 0, personsRemoved: 0, personsAdded: 0, personsKept: 1 });
    expect(r.kept).toEqual([{ fileName, personId, why: 'edited' }]);
    expect(r.reopened).toEqual([]);
    expect(imageRepository(db).get(imageId)!.status).toBe('accepted'); // its ground truth did not change
    // the CLI says so
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => out.push(l) };
    expect(await main(['import', ANN, '--images', DIR, '--project', db.name], io)).toBe(0);
    expect(out.join('\n')).toContain(
      `kept 1 person(s) changed in the project since the last import (the file's values not taken): ${fileName} ${personId} (edited)`,
    );
    db.close();
  });

  it("a changed file updates persons still as imported, keeps edited ones, reopens the accepted image; undo makes a person the file's again", async () => {
    const { db, store, imageId, personId, fileName } = await setUp();
    const onImage = original.annotations.filter(
      (a: { image_id: number }) => a.image_id === original.annotations[0].image_id,
    );
    const s = store.load(imageId).state;
    const nose = s.persons[personId].joints.findIndex((q) => q !== null);
    store.apply(imageId, moveJoint(s, personId, nose, 1, 2), 'move');
    let t = store.load(imageId).state;
    t = store.apply(imageId, addPerson(t, 'mine'), 'add').state;
    store.apply(imageId, placeJoint(t, 'mine', 0, 10, 10), 'place');
    imageRepository(db).setStatus(imageId, 'accepted');
    const changed = structuredClone(original);
    for (const a of changed.annotations) if (a.image_id === onImage[0].image_id) a.keypoints[3 * nose] += 2; // every person of the image
    const r = await importCoco(db, writeJson(changed), DIR);
    expect(joint(store, imageId, personId, nose)).toMatchObject({ x: 1, y: 2 }); // the correction survives
    expect(store.load(imageId).state.persons.mine.joints[0]).toMatchObject({ x: 10, y: 10 }); // so does the new person
    expect(r.kept).toEqual([
      { fileName, personId, why: 'edited' },
      { fileName, personId: 'mine', why: 'made in the project' },
    ]);
    const others = onImage.slice(1).filter((a: { keypoints: number[] }) => a.keypoints[3 * nose + 2] > 0);
    expect(r.changes.personsUpdated).toBe(others.length);
    if (others.length) {
      expect(r.reopened).toEqual([fileName]);
      expect(imageRepository(db).get(imageId)!.status).toBe('in_progress');
    }
    // Undo the correction: the person is as imported again, and the next import gives it the file's value.
    const v = store.view(imageId);
    const steps = []; // the import, the new person's two steps, then the move
    const again = new EditHistory(v.state, v.history);
    for (let st = again.undo(); st; st = again.undo()) {
      steps.push(st);
      if (st.label === 'move') break;
    }
    store.save(imageId, steps, { baseRevision: v.revision });
    await importCoco(db, writeJson(changed), DIR);
    expect(joint(store, imageId, personId, nose)!.x).toBe(changed.annotations[0].keypoints[3 * nose]);
    // and the project still exports, valid
    expect(() => exportCoco(db)).not.toThrow();
    db.close();
  });

  it('a person the file no longer has goes only when the project did not change it', async () => {
    const { db, store, imageId, personId } = await setUp();
    const s = store.load(imageId).state;
    const j = s.persons[personId].joints.findIndex((q) => q !== null);
    store.apply(imageId, moveJoint(s, personId, j, 3, 4), 'move');
    const without = structuredClone(original);
    without.annotations = without.annotations.filter((a: { id: number }) => `c${a.id}` !== personId);
    const unedited = original.annotations.find((a: { id: number }) => `c${a.id}` !== personId);
    without.annotations = without.annotations.filter((a: { id: number }) => a.id !== unedited.id);
    const r = await importCoco(db, writeJson(without), DIR);
    expect(r.changes.personsRemoved).toBe(1); // the unedited one
    expect(r.kept.map((k) => k.personId)).toEqual([personId]);
    expect(store.load(imageId).state.persons[personId]).toBeDefined();
    db.close();
  });
});
