import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkPayload, ContractError, POSE_API, POSE_EVENTS, type PoseMethod } from '../contract/poseApi.ts';
import { validate, type Schema } from '../core/schema/schema.ts';
import type { ProjectService } from '../node/project/projectService.ts';
import { readMedia } from '../node/project/projectMedia.ts';

export interface ServerOptions {
  service: ProjectService;
  root: string;
  host?: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
  maxBodyBytes?: number;
  /** The renderer build (index.html + assets) served at `/`; absent until the app is built. */
  staticDir?: string;
}

/**
 * The local web mode: POST /api/<method> (JSON, validated against the contract both ways), GET /api/events
 * (server-sent events), GET /images/<id>, /thumbs/<id>, /maps/<id> (readMedia: project images only from inside the
 * project root, thumbnails, overlay maps), and the renderer build at `/` when `staticDir` is given.
 * Binds 127.0.0.1 by default; every request must carry the per-launch token (Authorization: Bearer, or ?token= for
 * URLs the browser fetches itself); no CORS headers, so other sites cannot read responses.
 */
export async function startServer(
  o: ServerOptions,
): Promise<{ url: string; token: string; port: number; close(): Promise<void> }> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const rootReal = await realpath(o.root);
  const clients = new Set<http.ServerResponse>();
  const server = http.createServer(
    (req, res) => void handle(req, res).catch((e) => send(res, 500, { error: (e as Error).message })),
  );
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorised(req, url, token)) return send(res, 401, { error: 'missing or wrong token' });
    if (url.pathname === '/api/events' && req.method === 'GET') return openEvents(res);
    const api = /^\/api\/([A-Za-z]+)$/.exec(url.pathname);
    if (api) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      const method = api[1] as PoseMethod;
      if (!Object.hasOwn(POSE_API, method)) return send(res, 404, { error: `unknown method ${api[1]}` });
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, o.maxBodyBytes ?? 32 * 2 ** 20));
      } catch (e) {
        return send(res, 400, { error: `request body is not JSON (${(e as Error).message})` });
      }
      try {
        checkPayload(method, 'request', body);
        const result = await (o.service[method] as (r: unknown) => Promise<unknown>)(body);
        checkPayload(method, 'response', result);
        return send(res, 200, result ?? null);
      } catch (e) {
        if (e instanceof ContractError) return send(res, 400, { error: e.message, issues: e.issues });
        const status = (e as { status?: number }).status ?? 500;
        return send(res, status, { error: (e as Error).message });
      }
    }
    const media = /^\/((?:images|thumbs|maps)\/\d+)$/.exec(url.pathname);
    if (media && req.method === 'GET') {
      const r = await readMedia(o.service, rootReal, media[1]);
      res.writeHead(r.status, {
        'Content-Type': r.type,
        'Content-Length': r.body.length,
        'Cache-Control': r.cache ? 'private, max-age=3600' : 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(r.body);
      return;
    }
    if (o.staticDir && req.method === 'GET')
      return sendStatic(res, url.pathname, url.searchParams.get('token') !== null);
    return send(res, 404, { error: 'not found' });
  }
  async function sendStatic(res: http.ServerResponse, urlPath: string, viaTokenUrl: boolean): Promise<void> {
    const base = await realpath(o.staticDir!).catch(() => null);
    if (!base) return send(res, 404, { error: 'the app is not built (no renderer build to serve)' });
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return send(res, 400, { error: 'bad path' });
    }
    const wanted = path.resolve(base, `.${rel === '/' ? '/index.html' : rel}`);
    let file: string;
    try {
      file = await realpath(wanted);
    } catch {
      return send(res, 404, { error: 'not found' });
    }
    if (file !== base && !file.startsWith(base + path.sep)) return send(res, 403, { error: 'outside the app build' });
    const st = await stat(file);
    if (!st.isFile()) return send(res, 404, { error: 'not found' });
    const types: Record<string, string> = {
      '.html': 'text/html; charset=utf-8',
      '.js': 'text/javascript',
      '.css': 'text/css',
      '.json': 'application/json',
      '.svg': 'image/svg+xml',
      '.png': 'image/png',
      '.woff2': 'font/woff2',
    };
    const headers: Record<string, string | number> = {
      'Content-Type': types[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'",
    };
    // The page was opened with ?token=…: let the browser's own asset and event requests carry it as a cookie.
    if (viaTokenUrl) headers['Set-Cookie'] = `simplepose_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  }
  function openEvents(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  }
  for (const name of Object.keys(POSE_EVENTS) as (keyof typeof POSE_EVENTS)[]) {
    o.service.events.on(name, (payload: unknown) => {
      if (validate(POSE_EVENTS[name] as Schema<unknown>, payload).length) return; // never push an event that breaks the contract
      for (const c of clients) c.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
  }
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

function authorised(req: http.IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization;
  const cookie = /(?:^|;\s*)simplepose_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const given = header?.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? cookie);
  if (!given) return false;
  const a = Buffer.from(given),
    b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body over ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
