import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { bmpSize } from '../../core/image/decodeBmp.ts';
import { scanFolder, type ScanReport } from './scanFolder.ts';
import { imageRepository, type ImageFileFacts, type NewImage } from '../db/imageRepository.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import { refitAnnotation, type Refit } from './resizedImage.ts';

export interface SyncResult {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  restored: number;
  unreadable: { relPath: string; reason: string }[];
  /** Annotated images whose file now has another size: scaled to it, or left for review (refitAnnotation). */
  refits: Refit[];
}

/**
 * Brings the project's image table in line with the folder: new image files are hashed (SHA-256) and measured
 * (size after EXIF orientation), files whose size and mtime did not change are trusted without reading them, changed
 * files are re-hashed, and files that disappeared are marked missing — never deleted, so their annotations survive
 * until the file comes back. An annotated file replaced by one of another size is refitted (refitAnnotation). Files that cannot be read or are not decodable images are reported, not stored.
 */
export async function syncImages(db: ProjectDb, root: string, now = Date.now()): Promise<SyncResult> {
  const scan: ScanReport = await scanFolder(root);
  const images = imageRepository(db);
  const known = new Map(images.all().map((r) => [r.relPath, r]));
  const result: SyncResult = {
    added: 0,
    changed: 0,
    removed: 0,
    unchanged: 0,
    restored: 0,
    unreadable: [...scan.unreadable],
    refits: [],
  };
  const inserts: NewImage[] = [],
    updates: [{ id: number; relPath: string; from: ImageFileFacts }, ImageFileFacts][] = [],
    restores: number[] = [];
  for (const f of scan.files) {
    const k = known.get(f.relPath);
    known.delete(f.relPath);
    if (k && k.byteSize === f.size && k.mtimeMs === f.mtimeMs) {
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
    const facts: ImageFileFacts = {
      contentHash: info.hash,
      byteSize: f.size,
      width: info.width,
      height: info.height,
      mtimeMs: f.mtimeMs,
    };
    if (!k) {
      inserts.push({ relPath: f.relPath, ...facts, addedAt: now });
      result.added++;
    } else {
      updates.push([{ id: k.id, relPath: k.relPath, from: k }, facts]);
      if (k.contentHash !== info.hash) result.changed++;
      else result.unchanged++;
    }
  }
  const gone = [...known.values()].filter((k) => !k.missing).map((k) => k.id);
  result.removed = gone.length;
  writeTransaction(db, 'the folder scan', () => {
    projectMetaRepository(db).setRoot(path.resolve(root));
    for (const im of inserts) images.insert(im);
    for (const [{ id, relPath, from }, facts] of updates) {
      images.updateFile(id, facts);
      const resized =
        from.contentHash !== facts.contentHash && (from.width !== facts.width || from.height !== facts.height);
      const refit = resized ? refitAnnotation(db, id, relPath, from, facts) : null;
      if (refit) result.refits.push(refit);
    }
    for (const id of gone) images.setMissing(id, true);
    for (const id of restores) images.setMissing(id, false);
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
    let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
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
