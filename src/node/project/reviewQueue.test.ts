import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from './syncImages.ts';
import { runDetectJob } from '../jobs/detectJob.ts';
import { AnnotationStore } from './annotationStore.ts';
import { addPerson, cycleVisibility, placeJoint } from '../../core/edit/poseEdits.ts';
import { reviewQueue } from './reviewQueue.ts';
import { MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';

describe('reviewQueue', () => {
  it('orders by uncertainty and by focal-L2 hardness of the cached maps against the corrected poses', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-queue-'));
    for (let i = 0; i < 3; i++)
      writeFileSync(
        path.join(root, `i${i}.png`),
        await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 60 * i, g: 100, b: 50 } } })
          .png()
          .toBuffer(),
      );
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const cacheDir = path.join(root, '.cache');
    const { runId } = await runDetectJob(db, {
      modelPath: path.join(MODEL_FIXTURES, 'tiny.onnx'),
      root,
      settings: { scales: [0.25], flip: false, mode: 'fast' },
      provider: 'cpu',
      cacheDir,
    });
    const byUncertainty = await reviewQueue(db, runId, 'uncertainty', cacheDir);
    expect(byUncertainty.map((e) => e.imageId).sort()).toEqual([1, 2, 3]);
    for (let i = 1; i < byUncertainty.length; i++)
      expect(byUncertainty[i].key).toBeGreaterThanOrEqual(byUncertainty[i - 1].key);
    // Image 2 gets a corrected person; its hardness is computed, the others (no annotation) come last.
    const store = new AnnotationStore(db);
    let s = store.apply(2, addPerson(store.load(2).state, 'h'), 'add').state;
    s = store.apply(2, placeJoint(s, 'h', 0, 40, 20), 'place').state;
    store.apply(2, placeJoint(s, 'h', 5, 44, 36), 'place');
    const byHardness = await reviewQueue(db, runId, 'hardness', cacheDir);
    expect(byHardness[0].imageId).toBe(2);
    expect(byHardness[0].key).toBeGreaterThan(0);
    expect(byHardness.slice(1).map((e) => e.key)).toEqual([-1, -1]);
    // A joint set to v = 0 is not labelled (its position is only kept for the V cycle): it adds no target.
    s = store.load(2).state;
    s = store.apply(2, placeJoint(s, 'h', 9, 80, 10), 'place').state;
    const withThird = (await reviewQueue(db, runId, 'hardness', cacheDir))[0].key;
    expect(withThird).not.toBe(byHardness[0].key);
    s = store.apply(2, cycleVisibility(s, 'h', 9), 'v 1').state;
    store.apply(2, cycleVisibility(s, 'h', 9), 'v 0');
    expect(store.load(2).state.persons.h.joints[9]).toMatchObject({ x: 80, y: 10, v: 0 });
    expect((await reviewQueue(db, runId, 'hardness', cacheDir))[0].key).toBe(byHardness[0].key);
    db.close();
  });
});
