// Exports of a project that mixes imported and scanned images, imported again.
// 1. A COCO file whose ids reach 2^53 − 1 is valid and imports. Before the fix the export gave every other image and
// every person made in the app the id "largest + 1" = 2^53, which the validator (rightly) refuses: one status set
// or one person added anywhere, and no export of the whole project was possible again — with no way to fix it in
// the app. New ids now take the lowest free ones when the next above the largest would not be exact.
// 2. The export listed the scanned images (no file order of their own: NULL sort key, which SQLite sorts first)
// before the imported ones, so importing the project's own export moved every imported image one place down and
// said "1 image updated" instead of "no change". Images without a file order now follow, as new persons do.
// 3. A file_name with a lone surrogate (`"a\ud800.png"`, valid JSON, not valid Unicode) is stored as UTF-8 with the
// surrogate replaced by U+FFFD: two images `a\ud800.png` and `a\udfff.png` became one row, the second import
// overwriting the first image's record, and one image with its persons was gone. Such names are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syncImages } from '../../src/node/project/syncImages.ts';
import { dispatch } from '../../src/contract/dispatch.ts';
import { validateCocoGt, validateCocoResults } from '../../src/core/coco/validateCoco.ts';
import { makeAttackProject, type AttackProject } from '../support/attackProject.ts';

const MAX = Number.MAX_SAFE_INTEGER;
let p: AttackProject;
beforeAll(async () => {
  p = await makeAttackProject();
  // Two plain images (the attack project's second one is a link out of the folder, which an import refuses).
  rmSync(path.join(p.root, 'swapped.png'));
  copyFileSync(path.join(p.root, 'a.png'), path.join(p.root, 'swapped.png'));
  await syncImages(p.project.db, p.root);
}, 60_000);
afterAll(() => p?.close());

const call = async (method: string, body: unknown) => {
  const r = await dispatch(p.project.service, method, body);
  if (!r.ok) throw new Error(`${method}: ${r.error}`);
  return r.value as Record<string, unknown>;
};

describe('exports of imported and scanned images together', () => {
  it("importing the project's own export changes nothing, with scanned and imported images mixed", async () => {
    const kp = Array.from({ length: 51 }, (_, k) => (k % 3 === 2 ? 2 : 10));
    const gt = {
      images: [{ id: 5, file_name: 'a.png', width: 40, height: 30 }],
      annotations: [
        {
          id: 5,
          image_id: 5,
          category_id: 1,
          keypoints: kp,
          num_keypoints: 17,
          bbox: [1, 1, 5, 5],
          area: 25,
          iscrowd: 0,
        },
      ],
      categories: [{ id: 1, name: 'person' }],
    };
    writeFileSync(path.join(p.root, 'small.json'), JSON.stringify(gt));
    await call('importCoco', { path: path.join(p.root, 'small.json') });
    // A scanned image that exports by default: reviewed as containing nobody (issue 12: a skipped one does not).
    await call('setStatus', { imageId: p.swappedId, status: 'no_person' });
    const out = path.join(p.root, 'small-export.json');
    await call('exportCoco', { path: out, onlyReviewed: false, kind: 'gt' });
    const exported = JSON.parse(readFileSync(out, 'utf8'));
    expect(exported.images.map((im: { file_name: string }) => im.file_name)).toEqual(['a.png', 'swapped.png']);
    const again = await call('importCoco', { path: out });
    expect(again.changes).toEqual({
      imagesAdded: 0,
      imagesUpdated: 0,
      imagesUnchanged: 2,
      personsAdded: 0,
      personsUpdated: 0,
      personsRemoved: 0,
      datasetUpdated: false,
      personsKept: 0,
    });
    await call('exportCoco', { path: out, onlyReviewed: false, kind: 'gt' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(exported);
  });

  it('the project still exports, valid, after statuses and new persons; the imported ids are kept', async () => {
    const kp = Array.from({ length: 51 }, (_, k) => (k % 3 === 2 ? 2 : 10));
    const gt = {
      images: [{ id: MAX, file_name: 'a.png', width: 40, height: 30 }],
      annotations: [
        {
          id: MAX,
          image_id: MAX,
          category_id: 1,
          keypoints: kp,
          num_keypoints: 17,
          bbox: [1, 1, 5, 5],
          area: 25,
          iscrowd: 0,
        },
        {
          id: 1,
          image_id: MAX,
          category_id: 1,
          keypoints: kp,
          num_keypoints: 17,
          bbox: [1, 1, 5, 5],
          area: 25,
          iscrowd: 0,
        },
      ],
      categories: [{ id: 1, name: 'person' }],
    };
    writeFileSync(path.join(p.root, 'gt.json'), JSON.stringify(gt));
    await call('importCoco', { path: path.join(p.root, 'gt.json') });
    // Another image reviewed, and a person added to each image in the app.
    await call('setStatus', { imageId: p.swappedId, status: 'accepted' });
    const joints = Array.from({ length: 17 }, (_, i) => (i === 0 ? { x: 5, y: 5, v: 2, source: 'human' } : null));
    for (const imageId of [p.imageId, p.swappedId]) {
      const { revision } = await call('getAnnotation', { imageId });
      await call('saveEdits', {
        imageId,
        revision,
        steps: [
          {
            kind: 'do',
            label: 'add person',
            diff: { added: { n1: { id: 'n1', joints, crowd: false } }, updated: {}, removed: {} },
          },
        ],
      });
    }
    const out = path.join(p.root, 'export.json');
    expect(await call('exportCoco', { path: out, onlyReviewed: false, kind: 'gt' })).toMatchObject({
      images: 2,
      annotations: 4,
    });
    const back = JSON.parse(readFileSync(out, 'utf8'));
    expect(validateCocoGt(back).filter((v) => v.severity === 'error')).toEqual([]);
    const imageIds = back.images.map((im: { id: number }) => im.id);
    const annIds = back.annotations.map((a: { id: number }) => a.id);
    expect(imageIds).toContain(MAX);
    expect(annIds).toEqual(expect.arrayContaining([MAX, 1]));
    expect(new Set(annIds).size).toBe(4);
    expect([...imageIds, ...annIds].every((id: number) => Number.isSafeInteger(id) && id >= 1)).toBe(true);
    // Importing the export again changes nothing (the new ids are stable).
    const again = await call('importCoco', { path: out });
    expect(again.changes).toMatchObject({ imagesUpdated: 0, personsAdded: 0, personsUpdated: 0, personsRemoved: 0 });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(back);
  });
  it('a results export names only exact image ids', async () => {
    const { exportResults, cocoImageIds } = await import('../../src/node/project/cocoExchange.ts');
    const { imageRepository } = await import('../../src/node/db/imageRepository.ts');
    const ids = [...cocoImageIds(imageRepository(p.project.db).all()).values()];
    expect(ids.every((id) => Number.isSafeInteger(id) && id >= 1)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(validateCocoResults(exportResults(p.project.db, 1))).toEqual([]);
  });
});

describe('file names that are not valid Unicode', () => {
  it('a lone surrogate in a file_name is refused with its path; nothing is imported', async () => {
    const before = p.project.db.prepare('SELECT COUNT(*) FROM images').pluck().get();
    const file = path.join(p.root, 'surrogates.json');
    // Written as text: "\ud800" in JSON is a lone surrogate once parsed.
    const images =
      '[{"id":91,"file_name":"x\\ud800.png","width":9,"height":9},{"id":92,"file_name":"x\\udfff.png","width":9,"height":9}]';
    writeFileSync(file, `{"images":${images},"annotations":[],"categories":[{"id":1,"name":"person"}]}`);
    const r = await dispatch(p.project.service, 'importCoco', { path: file });
    expect(r).toMatchObject({ ok: false, code: 'unprocessable' });
    expect(JSON.stringify((r as { details: unknown }).details)).toMatch(/images\[0\]\.file_name.*not valid Unicode/);
    expect(p.project.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(before);
  });
});
