import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_ERROR_STATUS, ApiError } from '../../contract/apiErrors.ts';
import { failureOf } from '../../contract/dispatch.ts';
import { parseMediaPath } from '../../contract/apiRoutes.ts';
import type { ProjectService } from './projectService.ts';

export const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export interface MediaReply {
  status: number;
  type: string;
  body: Uint8Array;
  cache: boolean;
}

/**
 * The binary side of the API, shared by the HTTP server and Electron's media protocol: `images/<id>` (the file),
 * `thumbs/<id>` (JPEG), `maps/<id>` (float16 .npy of the overlay maps). The service resolves every project file
 * through `ProjectFiles` (links included: a file whose real path leaves the project folder is a 403 for the image
 * and its thumbnail alike). `pathname` is the URL's path (`/images/12`, parseMediaPath); anything else is a 404. Failures are
 * `{ error, code }` JSON with the code's status.
 */
export async function readMedia(service: ProjectService, pathname: string): Promise<MediaReply> {
  const m = parseMediaPath(pathname);
  try {
    if (!m) return failure(new ApiError('not_found', 'not found'));
    const id = m.imageId;
    if (m.kind === 'thumbs') return { status: 200, type: 'image/jpeg', body: await service.thumbnail(id), cache: true };
    if (m.kind === 'maps')
      return { status: 200, type: 'application/octet-stream', body: await service.maps(id), cache: false };
    const file = service.imagePath(id);
    return {
      status: 200,
      type: IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      body: await readFile(file),
      cache: true,
    };
  } catch (e) {
    return failure(e);
  }
}

/** A failure as the API answers one (failureOf: `{ error, code, details? }`), with the code's status. */
function failure(e: unknown): MediaReply {
  const { ok: _ok, ...body } = failureOf(e);
  return {
    status: API_ERROR_STATUS[body.code],
    type: 'application/json; charset=utf-8',
    body: Buffer.from(JSON.stringify(body)),
    cache: false,
  };
}
