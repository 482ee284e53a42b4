import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import sharp from 'sharp';
import { openProjectDb, type ProjectDb } from '../node/db/openProjectDb.ts';
import { syncImages } from '../node/project/syncImages.ts';
import { createProjectService } from '../node/project/projectService.ts';
import { startServer } from './startServer.ts';
import { addPerson } from '../core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../core/edit/poseRecords.ts';

let db: ProjectDb, server: Awaited<ReturnType<typeof startServer>>, root: string;
const TOKEN = 'test-token-0123456789';

function request(
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` },
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the response body field by field and asserts each one
): Promise<{ status: number; json: any; headers: http.IncomingHttpHeaders; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path: urlPath,
        headers: { ...headers, ...(data ? { 'Content-Type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let json: unknown = null;
          try {
            json = JSON.parse(raw.toString());
          } catch {
            /* binary */
          }
          resolve({ status: res.statusCode!, json, headers: res.headers, raw });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

beforeAll(async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'sp-server-'));
  root = path.join(base, 'project');
  mkdirSync(root);
  writeFileSync(path.join(base, 'secret.jpg'), 'TOP-SECRET-BYTES');
  writeFileSync(
    path.join(root, 'a.png'),
    await sharp({ create: { width: 4, height: 3, channels: 3, background: '#fff' } })
      .png()
      .toBuffer(),
  );
  symlinkSync(path.join(base, 'secret.jpg'), path.join(root, 'link.jpg'));
  db = openProjectDb(path.join(base, 'p.sqlite'));
  await syncImages(db, root);
  // A row pointing outside the root (as a forged database or a stale path would).
  db.prepare(
    "INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES ('../secret.jpg', 'x', 1, 1, 1, 0, 0)",
  ).run();
  const app = path.join(base, 'app');
  mkdirSync(path.join(app, 'assets'), { recursive: true });
  writeFileSync(path.join(app, 'index.html'), '<!doctype html><title>SimplePose</title>');
  writeFileSync(path.join(app, 'assets', 'main.js'), 'console.log(1)');
  server = await startServer({ service: createProjectService(db, root), root, token: TOKEN, staticDir: app });
});
afterAll(async () => {
  await server.close();
  db.close();
});

describe('local server', () => {
  it('serves the renderer build (CSP; the page needs the token, its assets hold nothing of the project), confined to the build folder', async () => {
    const page = await request('GET', `/?token=${TOKEN}`, undefined, {});
    expect(page.status).toBe(200);
    expect(page.raw.toString()).toContain('<title>SimplePose</title>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['set-cookie']).toBeUndefined(); // a cookie would reach every port of 127.0.0.1
    expect((await request('GET', '/assets/main.js', undefined, {})).status).toBe(200);
    expect((await request('GET', '/', undefined, {})).status).toBe(401);
    expect((await request('GET', '/index.html?token=forged', undefined, {})).status).toBe(401);
    // Opened from a link on another local page (a notebook): fine as a top-level document, never in a frame.
    const nav = { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'navigate' };
    expect((await request('GET', `/?token=${TOKEN}`, undefined, { ...nav, 'Sec-Fetch-Dest': 'document' })).status).toBe(
      200,
    );
    expect((await request('GET', `/?token=${TOKEN}`, undefined, { ...nav, 'Sec-Fetch-Dest': 'iframe' })).status).toBe(
      403,
    );
    for (const p of [
      '/../p.sqlite',
      '/%2e%2e/p.sqlite',
      '/assets/../../secret.jpg',
      '/assets/%2e%2e/%2e%2e/secret.jpg',
    ])
      expect([403, 404], p).toContain((await request('GET', p)).status);
  });
  it('binds 127.0.0.1 and prints a URL carrying the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}$`));
  });
  it('refuses requests without the token or with a forged one; sends no CORS headers', async () => {
    expect((await request('POST', '/api/listImages', {}, {})).status).toBe(401);
    expect((await request('POST', '/api/listImages', {}, { Authorization: 'Bearer forged' })).status).toBe(401);
    expect((await request('GET', '/images/1?token=forged', undefined, {})).status).toBe(401);
    const ok = await request('POST', '/api/listImages', {});
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    expect(ok.json.images.map((i: { relPath: string }) => i.relPath)).toEqual(['../secret.jpg', 'a.png']);
  });
  it('validates payloads against the contract; unknown methods are 404', async () => {
    const bad = await request('POST', '/api/saveEdits', { imageId: 'x', steps: [{ kind: 'do', label: 3 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['$.imageId', '$.revision', '$.steps[0].diff', '$.steps[0].label']),
    );
    expect((await request('POST', '/api/dropTables', {})).status).toBe(404);
    expect((await request('POST', '/api/listImages', '{not json')).status).toBe(400);
    expect((await request('GET', '/api/listImages')).status).toBe(405);
  });
  it('serves image bytes from inside the project only (no traversal, no links out)', async () => {
    const a = db.prepare("SELECT id FROM images WHERE rel_path = 'a.png'").pluck().get() as number;
    const img = await request('GET', `/images/${a}?token=${TOKEN}`, undefined, {});
    expect([img.status, img.headers['content-type'], img.raw.subarray(1, 4).toString()]).toEqual([
      200,
      'image/png',
      'PNG',
    ]);
    const outside = db.prepare("SELECT id FROM images WHERE rel_path = '../secret.jpg'").pluck().get() as number;
    const refused = await request('GET', `/images/${outside}`);
    expect(refused.status).toBe(403);
    expect(refused.raw.toString()).not.toContain('TOP-SECRET');
    for (const p of [
      '/images/../../etc/passwd',
      '/images/%2e%2e%2fsecret.jpg',
      '/images/1/../../secret.jpg',
      '/images/link.jpg',
      '/../secret.jpg',
      '/images/%2e%2e/secret.jpg',
    ]) {
      const r = await request('GET', p);
      expect([403, 404], p).toContain(r.status);
      expect(r.raw.toString(), p).not.toContain('TOP-SECRET');
    }
    expect((await request('GET', '/images/999')).status).toBe(404);
    const thumb = await request('GET', `/thumbs/${a}?token=${TOKEN}`, undefined, {});
    expect([thumb.status, thumb.headers['content-type']]).toEqual([200, 'image/jpeg']);
    expect((await request('GET', `/thumbs/${outside}`)).status).toBe(403);
  });
  it('saves an edit, pushes annotationChanged over SSE, undoes it', async () => {
    const a = db.prepare("SELECT id FROM images WHERE rel_path = 'a.png'").pluck().get() as number;
    const events: string[] = [];
    const sse = http.get(
      { host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Authorization: `Bearer ${TOKEN}` } },
      (res) => res.on('data', (d) => events.push(String(d))),
    );
    await new Promise((r) => setTimeout(r, 100));
    const edit = await request('POST', '/api/saveEdits', {
      imageId: a,
      revision: 0,
      steps: [{ kind: 'do', seq: 1, diff: addPerson(EMPTY_ANNOTATION, 'h1'), label: 'add person' }],
    });
    expect(edit.status).toBe(200);
    expect(edit.json).toEqual({ revision: 1, cursor: 1, length: 1 });
    // Another person h1 made on the same (now stale) revision: the id is taken.
    const other = addPerson(EMPTY_ANNOTATION, 'h1');
    other.added.h1.crowd = true;
    const conflict = await request('POST', '/api/saveEdits', {
      imageId: a,
      revision: 0,
      steps: [{ kind: 'do', seq: 1, diff: other, label: 'add person' }],
    });
    expect(conflict.status).toBe(409);
    const undo = await request('POST', '/api/saveEdits', {
      imageId: a,
      revision: 1,
      steps: [{ kind: 'undo', seq: 1 }],
    });
    expect(undo.json).toEqual({ revision: 2, cursor: 0, length: 1 });
    expect((await request('POST', '/api/getAnnotation', { imageId: a })).json.state.order).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    sse.destroy();
    expect(events.join('')).toMatch(/event: annotationChanged\ndata: \{"imageId":\d+,"revision":1\}/);
    expect(events.join('')).toMatch(/event: annotationChanged\ndata: \{"imageId":\d+,"revision":2\}/);
  });
});
