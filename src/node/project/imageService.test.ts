import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from './syncImages.ts';
import { createProjectService } from './projectService.ts';
import { addPerson, placeJoint } from '../../core/edit/poseEdits.ts';

describe('the service prepares statements once', () => {
  it('calls that the app makes per image, per list page and per edit prepare nothing after the first time', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-reuse-'));
    for (const f of ['a.png', 'b.png'])
      writeFileSync(
        path.join(root, f),
        await sharp({ create: { width: 8, height: 6, channels: 3, background: '#345' } })
          .png()
          .toBuffer(),
      );
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const service = createProjectService(db, root);
    const prepare = vi.spyOn(db, 'prepare');
    let edits = 0;
    const round = async (i: number) => {
      await service.projectInfo({});
      await service.listImages({ limit: 200 });
      await service.listImages({ status: 'unreviewed', minScore: 0.1, maxScore: 0.9 });
      await service.listImages({ ids: i % 2 ? [2, 1] : [1] });
      await service.getAnnotation({ imageId: 1 + (i % 2) });
      await service.getPredictions({ imageId: 1 });
      await service.setStatus({ imageId: 2, status: 'in_progress', ifStatus: 'unreviewed' });
      service.imagePath(1);
      // An edit, its undo and redo, and a page of the history, as the editor sends them.
      const v = await service.getAnnotation({ imageId: 1 });
      const personId = `p${edits++}`;
      const diff = addPerson(v.state, personId);
      const done = await service.saveEdits({
        imageId: 1,
        revision: v.revision,
        steps: [{ kind: 'do', diff, label: 'add person' }],
      });
      const seq = done.cursor;
      const placed = placeJoint({ ...v.state, persons: { [personId]: diff.added[personId] } }, personId, 0, 3, 2);
      const again = await service.saveEdits({
        imageId: 1,
        revision: done.revision,
        steps: [
          { kind: 'do', diff: placed, label: 'place joint' },
          { kind: 'undo', seq: seq + 1 },
          { kind: 'redo', seq: seq + 1 },
        ],
      });
      await service.getEditHistory({ imageId: 1, revision: again.revision, from: 1, to: again.length });
    };
    await round(0);
    await round(1);
    const warm = prepare.mock.calls.length;
    for (let i = 0; i < 10; i++) await round(i);
    expect(prepare.mock.calls.slice(warm).map((c) => c[0])).toEqual([]);
    await service.shutdown();
    db.close();
  });
});
