import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { bmpSize } from '../../core/image/decodeBmp.ts';
import { scanFolder, type ScanReport } from './scanFolder.ts';

export interface SyncResult {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  restored: number;
  unreadable: { relPath: string; reason: string }[];
}

/**
 * Brings the project's image table in line with the folder: new image files are hashed (SHA-256) and measured
 * (size after EXIF orientation), files whose size and mtime did not change are trusted without reading them, changed
 * files are re-hashed, and files that disappeared are marked missing — never deleted, so their annotations survive
 * until the file comes back. Files that cannot be read or are not decodable images are reported, not stored.
 */
export async function syncImages(db: ProjectDb, root: string, now = Date.now()): Promise<SyncResult> {
  const scan: ScanReport = await scanFolder(root);
  const known = new Map<
    string,
    { id: number; byte_size: number; mtime_ms: number; content_hash: string; missing: number }
  >();
  for (const row of db.prepare('SELECT id, rel_path, byte_size, mtime_ms, content_hash, missing FROM images').all() as {
    id: number;
    rel_path: string;
    byte_size: number;
    mtime_ms: number;
    content_hash: string;
    missing: number;
  }[]) {
    known.set(row.rel_path, row);
  }
  const result: SyncResult = {
    added: 0,
    changed: 0,
    removed: 0,
    unchanged: 0,
    restored: 0,
    unreadable: [...scan.unreadable],
  };
  const inserts: unknown[][] = [],
    updates: unknown[][] = [],
    restores: number[] = [];
  for (const f of scan.files) {
    const k = known.get(f.relPath);
    known.delete(f.relPath);
    if (k && k.byte_size === f.size && k.mtime_ms === f.mtimeMs) {
      result.unchanged++;
      if (k.missing) {
        restores.push(k.id);
        result.restored++;
      }
      continue;
    }
    let info: { hash: string; width: number; height: number };
    try {
      info = await describeImage(f.absPath);
    } catch (e) {
      result.unreadable.push({ relPath: f.relPath, reason: (e as Error).message });
      continue;
    }
    if (!k) {
      inserts.push([f.relPath, info.hash, f.size, info.width, info.height, f.mtimeMs, now]);
      result.added++;
    } else if (k.content_hash !== info.hash) {
      updates.push([info.hash, f.size, info.width, info.height, f.mtimeMs, k.id]);
      result.changed++;
    } else {
      updates.push([info.hash, f.size, info.width, info.height, f.mtimeMs, k.id]);
      result.unchanged++;
    }
  }
  const gone = [...known.values()].filter((k) => !k.missing).map((k) => k.id);
  result.removed = gone.length;
  writeTransaction(db, 'the folder scan', () => {
    db.prepare(
      "INSERT INTO project_meta (key, value) VALUES ('root', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(path.resolve(root));
    const ins = db.prepare(
      'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const r of inserts) ins.run(...r);
    const upd = db.prepare(
      'UPDATE images SET content_hash = ?, byte_size = ?, width = ?, height = ?, mtime_ms = ?, missing = 0 WHERE id = ?',
    );
    for (const r of updates) upd.run(...r);
    const miss = db.prepare('UPDATE images SET missing = ? WHERE id = ?');
    for (const id of gone) miss.run(1, id);
    for (const id of restores) miss.run(0, id);
  });
  return result;
}

/** SHA-256 of the bytes and the displayed size (EXIF orientations 5–8 swap width and height). */
export async function describeImage(file: string): Promise<{ hash: string; width: number; height: number }> {
  const head = Buffer.alloc(32);
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'EACCES' || e.code === 'EPERM'
        ? 'permission denied'
        : e.code === 'ENOENT'
          ? 'disappeared during the scan'
          : `cannot open it (${e.code ?? e.message})`,
    );
  });
  try {
    if ((await fh.stat()).size === 0) throw new Error('the file is empty (0 bytes)');
    await fh.read(head, 0, 32, 0);
  } finally {
    await fh.close();
  }
  let width: number, height: number;
  const bmp = bmpSize(head);
  if (bmp) ({ width, height } = bmp);
  else {
    let meta;
    try {
      meta = await sharp(file, { limitInputPixels: false }).metadata();
    } catch (e) {
      throw new Error(`not a readable image (${String((e as Error).message).split('\n')[0]})`);
    }
    if (!meta.width || !meta.height) throw new Error('image without a size');
    const swap = (meta.orientation ?? 1) >= 5;
    width = swap ? meta.height : meta.width;
    height = swap ? meta.width : meta.height;
  }
  const hash = await new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
  return { hash, width, height };
}
