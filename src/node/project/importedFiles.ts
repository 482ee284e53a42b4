import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ApiError } from '../../contract/apiErrors.ts';
import type { CocoImage } from '../../core/coco/cocoTypes.ts';
import type { ProjectFiles } from '../fs/projectPaths.ts';
import type { ImageFileFacts, ImageRecord } from '../db/imageRepository.ts';
import type { ImportTarget } from './importTarget.ts';

// What a COCO import reads of the image files before its transaction (cocoImport.ts): the facts of new images'
// files (hash, size, mtime) and the picture sizes its records must match.

/** A file's facts for a new image row; a missing file is recorded with none. */
export type FileFacts = Omit<ImageFileFacts, 'width' | 'height'> & { missing: boolean };

/**
 * The facts of the files of images the project does not have yet, read before the import's transaction (hashing
 * is the slow part, and nothing of it needs the write lock). A row made by another writer meanwhile is simply found
 * in the transaction; a file the transaction needs and this did not read is read there.
 */
export function newImageFacts(
  images: Pick<ImportTarget['images'], 'byPath'>,
  files: ProjectFiles,
  records: CocoImage[],
): Map<string, FileFacts> {
  const out = new Map<string, FileFacts>();
  for (const im of records) {
    if (images.byPath(im.file_name)) continue;
    try {
      out.set(im.file_name, fileFacts(files, im.file_name));
    } catch {
      // refused (a link out of the project) or unreadable: the transaction meets it again, in the file's order
    }
  }
  return out;
}

/** An image's real path inside the project folder (a missing file: its lexical path); refused when it leads out. */
export function resolveImage(files: ProjectFiles, fileName: string): string {
  try {
    return files.resolve(fileName);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not_found') return path.join(files.root, fileName);
    throw e;
  }
}

export function fileFacts(files: ProjectFiles, fileName: string): FileFacts {
  const abs = resolveImage(files, fileName);
  if (!existsSync(abs)) return { contentHash: '', byteSize: 0, mtimeMs: 0, missing: true };
  const st = statSync(abs);
  return {
    contentHash: createHash('sha256').update(readFileSync(abs)).digest('hex'),
    byteSize: st.size,
    mtimeMs: Math.floor(st.mtimeMs),
    missing: false,
  };
}

/** A file's picture size as shown (EXIF orientation applied) and as stored (before it). */
export interface PictureSize {
  width: number;
  height: number;
  storedWidth: number;
  storedHeight: number;
}

/**
 * The picture sizes of the files an import's records must be checked against, measured before its transaction: the
 * files of images new to the project, and of known images whose record names another size than the project's row
 * (the scan measured it). A record's width and height are what the validator checks its keypoints against and what
 * every trainer scales by, so a record that lies about its file (10⁹ px wide for a 640 px photo) let keypoints far
 * outside the picture in and exported them as ground truth. Missing files, files that lead out of the folder and
 * files that are not readable images are not measured (the import meets them on its own terms).
 */
export async function measureRecordedSizes(
  images: { byPath(relPath: string): Pick<ImageRecord, 'width' | 'height' | 'contentHash'> | undefined },
  files: ProjectFiles,
  records: readonly CocoImage[],
): Promise<Map<string, PictureSize>> {
  const out = new Map<string, PictureSize>();
  for (const im of records) {
    const known = images.byPath(im.file_name);
    if (known?.contentHash && known.width === im.width && known.height === im.height) continue;
    let abs: string;
    try {
      abs = files.resolve(im.file_name);
    } catch {
      continue;
    }
    if (!statSync(abs, { throwIfNoEntry: false })?.isFile()) continue; // gone, or a pipe or device: never opened here
    try {
      const meta = await sharp(abs, { limitInputPixels: false }).metadata();
      if (!meta.width || !meta.height) continue;
      const swap = (meta.orientation ?? 1) >= 5;
      out.set(im.file_name, {
        width: swap ? meta.height : meta.width,
        height: swap ? meta.width : meta.height,
        storedWidth: meta.width,
        storedHeight: meta.height,
      });
    } catch {
      // not an image sharp reads (a BMP, a damaged file): not judged here
    }
  }
  return out;
}

/** Why a record's size is not its file's (neither as shown nor as stored), or null. */
export function recordSizeProblem(im: CocoImage, size: PictureSize | undefined): string | null {
  if (!size) return null;
  if (im.width === size.width && im.height === size.height) return null;
  if (im.width === size.storedWidth && im.height === size.storedHeight) return null;
  return `the record says ${im.width}×${im.height} but the file is ${size.width}×${size.height}: fix the record's width and height (or the file_name)`;
}
