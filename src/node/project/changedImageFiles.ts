import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { ImageRecord } from '../db/imageRepository.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';

/**
 * The rows whose file no longer holds the content the project read (syncImages, an import), with why: the scan that
 * notices a replaced file runs when a project is opened, so a photo replaced, truncated or re-encoded while the app
 * or `serve` runs (or before a CLI export of a project not opened since) still has its old size and annotation in
 * the project. A file whose size and mtime are as recorded is trusted without reading it, as the scan does; one that
 * differs is hashed. Files that are gone (the scan marks them missing; their annotations still export) and rows
 * with no content recorded (imported while the file was absent) are not judged here.
 */
export function changedImageFiles(
  root: string,
  rows: readonly Pick<ImageRecord, 'id' | 'relPath' | 'contentHash' | 'byteSize' | 'mtimeMs'>[],
): Map<number, string> {
  const files = new ProjectFiles(root);
  const changed = new Map<number, string>();
  for (const r of rows) {
    if (!r.contentHash) continue;
    let abs: string;
    try {
      abs = files.resolve(r.relPath);
    } catch {
      continue; // gone, or now a link out of the folder: the next scan decides (never read here)
    }
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    if (st.size === r.byteSize && Math.floor(st.mtimeMs) === r.mtimeMs) continue;
    let hash: string;
    try {
      hash = createHash('sha256').update(readFileSync(abs)).digest('hex');
    } catch {
      hash = '';
    }
    if (hash !== r.contentHash)
      changed.set(
        r.id,
        `its file changed on disk after the project read it (${r.byteSize} → ${st.size} bytes): open the project again (the app, serve or detect) so that it reads the new picture, then check its annotation`,
      );
  }
  return changed;
}
