import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from './openProjectDb.ts';
import { imageRepository, type NewImage } from './imageRepository.ts';
import { runRepository } from './runRepository.ts';
import { modelRepository } from './modelRepository.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-images-repo-'));
let n = 0;
const fresh = () => openProjectDb(path.join(tmp, `p${n++}.sqlite`));
const image = (relPath: string, more: Partial<NewImage> = {}): NewImage => ({
  relPath,
  contentHash: `h-${relPath}`,
  byteSize: 10,
  width: 64,
  height: 48,
  mtimeMs: 1,
  addedAt: 0,
  ...more,
});

describe('ImageRepository', () => {
  it('makes rows one way (scan and import alike) and reads them back by id and path', () => {
    const db = fresh();
    const images = imageRepository(db);
    const scanned = images.insert(image('b.jpg'));
    const imported = images.insert(image('a.jpg', { missing: true, cocoJson: '{"id":7}', sortKey: 0 }));
    expect(images.get(scanned)).toMatchObject({ relPath: 'b.jpg', missing: false, cocoJson: null, sortKey: null });
    expect(images.byPath('a.jpg')).toMatchObject({ id: imported, missing: true, cocoJson: '{"id":7}', sortKey: 0 });
    expect(images.get(99)).toBeUndefined();
    expect([images.exists(scanned), images.exists(99)]).toEqual([true, false]);
    expect(images.all().map((r) => r.relPath)).toEqual(['b.jpg', 'a.jpg']); // an import's order first (NULL sorts first)
    images.updateFile(imported, { contentHash: 'new', byteSize: 5, width: 3, height: 2, mtimeMs: 9 });
    expect(images.get(imported)).toMatchObject({ contentHash: 'new', width: 3, height: 2, missing: false });
    images.setMissing(scanned, true);
    expect(images.present().map((r) => r.relPath)).toEqual(['a.jpg']);
    expect(images.size(imported)).toEqual({ width: 3, height: 2 });
    db.close();
  });

  it('lists with every filter combination, in the order asked, with the latest prediction score', () => {
    const db = fresh();
    const images = imageRepository(db);
    for (const f of ['c.jpg', 'a.jpg', 'b.jpg', 'd.jpg']) images.insert(image(f));
    const model = modelRepository(db).record('m.onnx', 'mh', '{}', 0);
    const run = runRepository(db).create({
      modelId: model,
      scales: [1],
      flip: false,
      mode: 'fast',
      provider: 'cpu',
      now: 0,
    });
    const pose = (score: number) => ({ score, joints: [], neck: null }) as never;
    runRepository(db).addPrediction(run, 1, 'h-c.jpg', [pose(0.9)], 0); // c.jpg
    runRepository(db).addPrediction(run, 2, 'h-a.jpg', [pose(0.2), pose(0.4)], 0); // a.jpg
    runRepository(db).addPrediction(run, 3, 'h-b.jpg', [], 0); // b.jpg: nobody
    images.setStatus(2, 'accepted');
    const ids = (f: Parameters<typeof images.list>[0]) => images.list(f).images.map((i) => i.id);
    expect(ids({})).toEqual([2, 3, 1, 4]);
    expect(images.list({}).images.map((i) => i.score)).toEqual([expect.closeTo(0.3, 12), null, 0.9, null]);
    expect(ids({ status: 'unreviewed' })).toEqual([3, 1, 4]);
    expect(ids({ minScore: 0.5 })).toEqual([1]);
    expect(ids({ maxScore: 0.5 })).toEqual([2]);
    expect(ids({ minScore: 0.1, maxScore: 1, status: 'accepted' })).toEqual([2]);
    expect(ids({ ids: [4, 1, 2] })).toEqual([4, 1, 2]);
    expect(ids({ ids: [4, 1, 2], minScore: 0.25 })).toEqual([1, 2]);
    expect(images.list({ ids: [] })).toEqual({ total: 0, images: [] });
    expect(images.list({ limit: 2, offset: 1 })).toMatchObject({ total: 4, images: [{ id: 3 }, { id: 1 }] });
    // Where an image is in each of these lists (the app resumes there): the list's own order, null when left out.
    const filters: Parameters<typeof images.list>[0][] = [
      {},
      { status: 'unreviewed' },
      { minScore: 0.25 },
      { ids: [4, 1, 2] },
      { ids: [4, 1, 2], minScore: 0.25 },
      { ids: [3, 2], status: 'unreviewed' },
    ];
    for (const f of filters)
      for (const id of [1, 2, 3, 4]) {
        const at = ids(f).indexOf(id);
        expect(images.position(f, id), `${id} in ${JSON.stringify(f)}`).toBe(at < 0 ? null : at);
      }
    expect(images.position({}, 99)).toBeNull();
    expect(images.statusCounts()).toEqual({ accepted: 1, unreviewed: 3 });
    expect(
      images
        .withStatus('unreviewed')
        .map((r) => r.id)
        .sort(),
    ).toEqual([1, 3, 4]);
    db.close();
  });

  it('sets a review status only from the given one, in one statement', () => {
    const db = fresh();
    const images = imageRepository(db);
    const id = images.insert(image('a.jpg'));
    expect(images.setStatus(id, 'in_progress', 'unreviewed')).toBe('in_progress');
    expect(images.setStatus(id, 'skipped', 'unreviewed')).toBe('in_progress'); // someone reviewed it meanwhile
    expect(images.setStatus(id, 'accepted')).toBe('accepted');
    expect(images.setStatus(99, 'accepted')).toBeUndefined();
    db.close();
  });

  it('prepares each statement once per connection, whatever the number of calls (the list: once per filter variant)', () => {
    const db = fresh();
    const prepare = vi.spyOn(db, 'prepare');
    const images = imageRepository(db);
    expect(imageRepository(db)).toBe(images); // one repository per connection
    const id = images.insert(image('a.jpg'));
    const variants = [{}, { status: 'unreviewed' as const }, { minScore: 0.1 }, { ids: [id] }, { ids: [id, 2, 3] }];
    const round = () => {
      for (const f of variants) images.list(f);
      images.get(id);
      images.setStatus(id, 'accepted');
    };
    round();
    const afterOne = prepare.mock.calls.length;
    expect(afterOne).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) round();
    expect(prepare.mock.calls.length).toBe(afterOne);
    // {ids: [a]} and {ids: [a, b, c]} are one variant: the ids are one parameter
    expect(new Set(prepare.mock.calls.map((c) => c[0])).size).toBe(afterOne);
    const other = fresh();
    expect(imageRepository(other)).not.toBe(images); // another connection (a worker's): its own statements
    other.close();
    db.close();
  });
});
