import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageBgr, ImageInputError } from './decodeImage.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { ApiError } from '../../contract/apiErrors.ts';

/**
 * A JPEG thumbnail (longest side `size` px, EXIF orientation applied) of an image, cached in `cacheDir` under the
 * image's content hash, so renamed or moved files keep their thumbnail and changed files get a new one.
 */
export async function thumbnail(imagePath: string, contentHash: string, cacheDir: string, size = 256): Promise<Buffer> {
  if (!/^[0-9a-f]{16,64}$/.test(contentHash))
    throw new ImageInputError(`${imagePath}: no content hash yet (sync the project first)`);
  const file = path.join(cacheDir, `${contentHash}-${size}.jpg`);
  try {
    if ((await stat(file)).size > 0) return await readFile(file);
  } catch {
    /* not cached */
  }
  let jpeg: Buffer;
  const head = await readFile(imagePath).catch((e: NodeJS.ErrnoException) => {
    throw new ImageInputError(`${imagePath}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (head[0] === 0x42 && head[1] === 0x4d) {
    const bgr = await decodeImageBgr(imagePath); // BMP: decoded by the project's own reader
    const rgb = Buffer.alloc(bgr.data.length);
    for (let i = 0; i < rgb.length; i += 3) {
      rgb[i] = bgr.data[i + 2];
      rgb[i + 1] = bgr.data[i + 1];
      rgb[i + 2] = bgr.data[i];
    }
    jpeg = await sharp(rgb, { raw: { width: bgr.width, height: bgr.height, channels: 3 } })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
  } else {
    try {
      jpeg = await sharp(head, { limitInputPixels: 120e6 })
        .rotate()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#000' })
        .jpeg({ quality: 80 })
        .toBuffer();
    } catch (e) {
      throw new ImageInputError(
        `${imagePath}: cannot make a thumbnail (${String((e as Error).message).split('\n')[0]})`,
      );
    }
  }
  // Thousands of thumbnails share the folder: its stale temporary files are swept once per process, not per write.
  const sweep = !sweptDirs.has(cacheDir);
  sweptDirs.add(cacheDir);
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeFileAtomic(file, jpeg, { sweep });
  } catch (e) {
    // A cache that cannot be written (a full disk; writeFileAtomic leaves no part of it) does not keep the picture
    // from the list: it is shown, and made again next time.
    const refused = e instanceof ApiError && (e.code === 'unavailable' || e.code === 'forbidden'); // writeFileAtomic's
    if (!refused && !UNCACHEABLE.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  return jpeg;
}

const UNCACHEABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

const sweptDirs = new Set<string>();
