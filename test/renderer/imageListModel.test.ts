// The renderer's image list model over the real project service (the same object the transports expose).
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';
import { ImageListModel } from '../../src/renderer/editor/imageListModel.ts';
import type { StudioClient } from '../../src/renderer/api/studioClient.ts';

function project(n: number) {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-list-'));
  const db = openProjectDb(path.join(root, '.p.sqlite'));
  const img = db.prepare(
    'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, added_at, status) VALUES (?, ?, 1, 64, 48, 0, 0, ?)',
  );
  for (let i = 0; i < n; i++)
    img.run(`img${String(i).padStart(4, '0')}.jpg`, `h${i}`, i % 2 ? 'accepted' : 'unreviewed');
  // One finished run: image i's only pose has joint scores i / n (uncertainty queue: lowest first).
  db.prepare("INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m.onnx', 'mh', '{}', 0)").run();
  db.prepare(
    "INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 1, 'fast', 'done', 0)",
  ).run();
  const pred = db.prepare(
    'INSERT INTO predictions (run_id, image_id, content_hash, poses_json, created_at) VALUES (1, ?, (SELECT content_hash FROM images WHERE id = ?), ?, 0)',
  );
  for (let i = 1; i <= n; i++)
    pred.run(
      i,
      i,
      JSON.stringify([
        { score: 0.5, neck: null, joints: Array.from({ length: 17 }, () => ({ x: 1, y: 1, score: (n - i) / n })) },
      ]),
    );
  const service = createProjectService(db, root);
  const client: StudioClient = {
    api: service,
    transport: 'http',
    clientId: 'test-window',
    on: () => () => undefined,
    mediaUrl: () => '',
  };
  return { db, service, client };
}

describe('ImageListModel', () => {
  it('loads pages of 200 on demand; total from the first page; rows by index; filters', async () => {
    const { client, db } = project(450);
    let changes = 0;
    const list = new ImageListModel(client, () => changes++);
    await list.setFilter({ order: 'file' });
    expect(list.total).toBe(450);
    expect(list.rowAt(0)?.relPath).toBe('img0000.jpg');
    expect(list.rowAt(199)?.relPath).toBe('img0199.jpg');
    expect(list.rowAt(200)).toBeUndefined(); // not loaded yet: starts loading
    expect((await list.ensureRow(449))?.relPath).toBe('img0449.jpg');
    await list.ensureRow(200);
    expect(list.rowAt(200)?.relPath).toBe('img0200.jpg');
    expect(list.indexOf(list.rowAt(321)!.id)).toBe(321);
    expect(await list.ensureRow(450)).toBeUndefined();
    expect(changes).toBeGreaterThanOrEqual(3);
    await list.setFilter({ order: 'file', status: 'accepted' });
    expect(list.total).toBe(225);
    expect(list.rowAt(0)?.relPath).toBe('img0001.jpg');
    list.patchRow(list.rowAt(0)!.id, { status: 'rejected' });
    expect(list.rowAt(0)?.status).toBe('rejected');
    db.close();
  });

  it('a review queue lists its images in queue order, never mixed with the previous order', async () => {
    const { client, db } = project(450);
    const list = new ImageListModel(client, () => undefined);
    await list.setFilter({ order: 'file' });
    const switching = list.setFilter({ order: 'uncertainty' });
    // Rows asked for while the queue is on its way still come from the file order, consistently.
    expect(list.rowAt(0)?.relPath).toBe('img0000.jpg');
    await switching;
    // Unreviewed images (even indices) by lowest joint score first: the last ones of the folder.
    expect(list.total).toBe(225);
    expect(list.rowAt(0)?.relPath).toBe('img0448.jpg');
    expect(list.rowAt(1)?.relPath).toBe('img0446.jpg');
    expect((await list.ensureRow(224))?.relPath).toBe('img0000.jpg');
    db.close();
  });
});
