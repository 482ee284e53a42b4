import type http from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../contract/apiErrors.ts';
import { isInside } from '../node/fs/projectPaths.ts';
import { SECURITY_HEADERS } from './httpReplies.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a URL path names the app's page (which needs the token) rather than one of its assets. */
export const isPagePath = (urlPath: string) => urlPath === '/' || urlPath === '/index.html';

/** Serves a file of the renderer build (`dir`), confined to it; throws ApiError (404/403/400) otherwise. */
export async function sendStatic(res: http.ServerResponse, dir: string, urlPath: string): Promise<void> {
  const base = await realpath(dir).catch(() => {
    throw new ApiError('not_found', 'the app is not built (no renderer build to serve)');
  });
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    throw new ApiError('bad_request', 'bad path');
  }
  if (rel.includes('\0')) throw new ApiError('bad_request', 'bad path');
  const file = await realpath(path.resolve(base, `.${isPagePath(rel) ? '/index.html' : rel}`)).catch(() => {
    throw new ApiError('not_found', 'not found');
  });
  if (!isInside(base, file)) throw new ApiError('forbidden', 'outside the app build');
  const st = await stat(file);
  if (!st.isFile()) throw new ApiError('not_found', 'not found');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Content-Security-Policy': CSP,
    'Cache-Control': 'no-cache',
  });
  createReadStream(file).pipe(res);
}
