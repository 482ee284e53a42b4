import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from './syncImages.ts';

const png = (w: number, h: number, c = '#123456') =>
  sharp({ create: { width: w, height: h, channels: 3, background: c } })
    .png()
    .toBuffer();

describe('syncImages', () => {
  it('adds, trusts unchanged, re-hashes changed, marks removed as missing and restores them', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-sync-'));
    mkdirSync(path.join(root, 'sub'));
    writeFileSync(path.join(root, 'a.png'), await png(8, 6));
    writeFileSync(path.join(root, 'sub', 'b.png'), await png(5, 4));
    writeFileSync(path.join(root, 'broken.jpg'), 'not an image');
    writeFileSync(
      path.join(root, 'rot.jpg'),
      await sharp({ create: { width: 40, height: 20, channels: 3, background: '#888' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const db = openProjectDb(path.join(root, '.project.sqlite'));
    let r = await syncImages(db, root);
    expect(r).toMatchObject({ added: 3, changed: 0, removed: 0, unchanged: 0 });
    expect(r.unreadable.map((u) => u.relPath)).toEqual(['broken.jpg']);
    const rows = db
      .prepare('SELECT rel_path, width, height, length(content_hash) AS hl FROM images ORDER BY rel_path')
      .all();
    expect(rows).toEqual([
      { rel_path: 'a.png', width: 8, height: 6, hl: 64 },
      { rel_path: 'rot.jpg', width: 20, height: 40, hl: 64 },
      { rel_path: 'sub/b.png', width: 5, height: 4, hl: 64 },
    ]);
    r = await syncImages(db, root);
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 3 });
    writeFileSync(path.join(root, 'a.png'), await png(9, 7, '#ff0000'));
    utimesSync(path.join(root, 'a.png'), new Date(), new Date(Date.now() + 5000));
    renameSync(path.join(root, 'sub', 'b.png'), path.join(root, 'b-moved.png'));
    r = await syncImages(db, root);
    expect(r).toMatchObject({ added: 1, changed: 1, removed: 1 });
    expect(db.prepare("SELECT missing FROM images WHERE rel_path = 'sub/b.png'").pluck().get()).toBe(1);
    expect(db.prepare("SELECT width FROM images WHERE rel_path = 'a.png'").pluck().get()).toBe(9);
    renameSync(path.join(root, 'b-moved.png'), path.join(root, 'sub', 'b.png'));
    r = await syncImages(db, root);
    expect(r).toMatchObject({ restored: 1, removed: 1 }); // b.png back, b-moved.png gone
    db.close();
    rmSync(root, { recursive: true, force: true });
  });
});
