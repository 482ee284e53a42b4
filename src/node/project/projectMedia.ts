import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
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

const json = (status: number, error: string): MediaReply => ({
  status,
  type: 'application/json; charset=utf-8',
  body: Buffer.from(JSON.stringify({ error })),
  cache: false,
});

/**
 * The binary side of the API, shared by the HTTP server and Electron's media protocol: `images/<id>` (the file,
 * only from inside the project root, also through links), `thumbs/<id>` (JPEG), `maps/<id>` (float16 .npy of the
 * overlay maps). `route` is the path without its leading slash; anything else is a 404.
 */
export async function readMedia(service: ProjectService, rootReal: string, route: string): Promise<MediaReply> {
  const m = /^(images|thumbs|maps)\/(\d+)$/.exec(route);
  if (!m) return json(404, 'not found');
  const id = Number(m[2]);
  try {
    if (m[1] === 'thumbs') return { status: 200, type: 'image/jpeg', body: await service.thumbnail(id), cache: true };
    if (m[1] === 'maps')
      return { status: 200, type: 'application/octet-stream', body: await service.maps(id), cache: false };
    const file = await realpath(service.imagePath(id));
    if (file !== rootReal && !file.startsWith(rootReal + path.sep)) return json(403, 'outside the project folder');
    return {
      status: 200,
      type: IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      body: await readFile(file),
      cache: true,
    };
  } catch (e) {
    const status = (e as { status?: number }).status ?? ((e as NodeJS.ErrnoException).code === 'ENOENT' ? 404 : 500);
    return json(status, (e as Error).message);
  }
}
