// The attacks of issue 10 on web mode's request handling, over real HTTP against the real server, service and
// project database: forged Host/Origin/Sec-Fetch-Site, the token sent the ways a cross-origin page could, body
// types a form or a no-cors fetch can send, oversized and deeply nested bodies, user mistakes that were 500s.
// Each attack asserts the refusal (status, code, message) and that the project did not change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../src/server/startServer.ts';
import { makeAttackProject, PASSWD, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import { flood as rawFlood, send as rawSend } from '../support/rawHttp.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';

const TOKEN = 'attack-suite-token-0123456789abcdef';
let p: AttackProject, server: Awaited<ReturnType<typeof startServer>>, self: string;
const send = (method: string, urlPath: string, o?: Parameters<typeof rawSend>[3]) =>
  rawSend(server.port, method, urlPath, o);
const flood = (o: Parameters<typeof rawFlood>[1]) => rawFlood(server.port, o);
const auth = { Authorization: `Bearer ${TOKEN}` };
const jsonHeaders = { ...auth, 'Content-Type': 'application/json' };
const api = (method: string, body: unknown, headers: Record<string, string> = jsonHeaders) =>
  send('POST', `/api/${method}`, { headers, body: JSON.stringify(body) });
const status = () => p.project.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(p.imageId);

beforeAll(async () => {
  p = await makeAttackProject();
  server = await startServer({ service: p.project.service, root: p.root, token: TOKEN });
  self = `127.0.0.1:${server.port}`;
}, 60_000);
afterAll(async () => {
  await server?.close();
  p?.close();
});

describe('cross-origin and DNS-rebinding requests', () => {
  it('refuses a Host that is not the address and port the server listens on (DNS rebinding)', async () => {
    const before = projectSnapshot(p);
    for (const host of ['evil.com', `evil.com:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const r = await api('setStatus', { imageId: p.imageId, status: 'accepted' }, { ...jsonHeaders });
      expect(r.status).toBe(200); // the same request with the real Host is fine …
      await api('setStatus', { imageId: p.imageId, status: 'unreviewed' });
      const forged = await send('POST', '/api/setStatus', {
        headers: jsonHeaders,
        body: JSON.stringify({ imageId: p.imageId, status: 'accepted' }),
        host,
      });
      expect([forged.status, forged.json?.code], host).toEqual([403, 'forbidden']); // … with a foreign one it is not
      expect(forged.json?.error).toMatch(/Host/);
      expect(status()).toBe('unreviewed');
      const media = await send('GET', `/images/${p.imageId}?token=${TOKEN}`, { host });
      expect(media.status, host).toBe(403);
    }
    const none = await send('GET', `/images/${p.imageId}?token=${TOKEN}`, { host: null });
    expect([400, 403]).toContain(none.status); // Node itself answers 400 to an HTTP/1.1 request without Host
    expect(
      (await send('GET', `/images/${p.imageId}?token=${TOKEN}`, { host: `localhost:${server.port}` })).status,
    ).toBe(200);
    expect(projectSnapshot(p)).toBe(before);
  });

  it('refuses a foreign Origin or a cross-site fetch even with the token', async () => {
    const body = JSON.stringify({ imageId: p.imageId, status: 'accepted' });
    const foreign: Record<string, string>[] = [
      { Origin: `http://127.0.0.1:${server.port + 1}` },
      { Origin: 'null' },
      { Origin: 'http://evil.com' },
      { Origin: `https://${self}` },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const r = await send('POST', '/api/setStatus', { headers: { ...jsonHeaders, ...headers }, body });
      expect([r.status, r.json?.code], JSON.stringify(headers)).toEqual([403, 'forbidden']);
      const m = await send('GET', `/thumbs/${p.imageId}?token=${TOKEN}`, { headers });
      expect(m.status, JSON.stringify(headers)).toBe(403);
    }
    expect(status()).toBe('unreviewed');
    const own: Record<string, string>[] = [
      { Origin: `http://${self}` },
      { 'Sec-Fetch-Site': 'same-origin' },
      { 'Sec-Fetch-Site': 'none' },
    ];
    for (const headers of own)
      expect(
        (await send('POST', '/api/listImages', { headers: { ...jsonHeaders, ...headers }, body: '{}' })).status,
      ).toBe(200);
  });

  it('the API takes the token only from a header a cross-origin page cannot send; no cookie is ever set', async () => {
    const body = JSON.stringify({ imageId: p.imageId, status: 'accepted' });
    const json = { 'Content-Type': 'application/json' };
    for (const [urlPath, headers] of [
      [`/api/setStatus?token=${TOKEN}`, json],
      ['/api/setStatus', { ...json, Cookie: `simplepose_token=${TOKEN}` }],
      ['/api/setStatus', { ...json, Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
      ['/api/setStatus', { ...json, Authorization: 'Bearer forged' }],
    ] as const) {
      const r = await send('POST', urlPath, { headers, body });
      expect([r.status, r.json?.code], urlPath).toEqual([401, 'unauthorized']);
    }
    expect(status()).toBe('unreviewed');
    const events = await send('GET', `/api/events?token=${TOKEN}`);
    expect(events.status).toBe(401);
    const page = await send('GET', `/?token=${TOKEN}`);
    expect(page.headers['set-cookie']).toBeUndefined();
  });

  it('refuses Content-Types the API does not speak (what a form or a no-cors fetch can send)', async () => {
    const body = JSON.stringify({ imageId: p.imageId, status: 'accepted' });
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'text/plain; application/json',
      '',
    ]) {
      const headers: Record<string, string> = { ...auth };
      if (type) headers['Content-Type'] = type;
      const r = await send('POST', '/api/setStatus', { headers, body });
      expect([r.status, r.json?.code], type).toEqual([415, 'unsupported_media_type']);
    }
    expect(status()).toBe('unreviewed');
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])
      expect(
        (await send('POST', '/api/listImages', { headers: { ...auth, 'Content-Type': type }, body: '{}' })).status,
      ).toBe(200);
  });

  it('answers preflights and every response without CORS permission; media may not be embedded cross-origin', async () => {
    const pre = await send('OPTIONS', '/api/setStatus', {
      headers: {
        Origin: `http://127.0.0.1:${server.port + 1}`,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBeGreaterThanOrEqual(400);
    expect(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const media = await send('GET', `/thumbs/${p.imageId}?token=${TOKEN}`);
    expect(media.status).toBe(200);
    expect(media.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await api('listImages', {})).headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});

describe('request bodies', () => {
  it('a 200 MB body without the token: 401 before reading it, the connection closed', async () => {
    const r = await flood({ headers: { 'Content-Type': 'application/json' }, total: 200 << 20 });
    expect(r.sentBytes).toBeLessThan(64 << 20);
    expect([r.status, r.json?.code]).toEqual([401, 'unauthorized']);
  });
  it('an authorised body over the limit: 413 with a message, from Content-Length or while streaming', async () => {
    const big = await flood({ headers: jsonHeaders, total: 40 << 20 });
    expect([big.status, big.json?.code]).toEqual([413, 'too_large']);
    expect(big.json?.error).toMatch(/32 MB/);
    expect(big.sentBytes).toBeLessThan(40 << 20);
    const chunked = await flood({ headers: jsonHeaders, total: 100 << 20, chunked: true });
    expect([chunked.status, chunked.json?.code]).toEqual([413, 'too_large']);
    expect(chunked.sentBytes).toBeLessThan(100 << 20);
    // curl and friends ask first (Expect: 100-continue): refused without ever being told to send.
    const asked = await flood({ headers: { ...jsonHeaders, Expect: '100-continue' }, total: 200 << 20 });
    expect([asked.status, asked.continued, asked.sentBytes]).toEqual([413, false, 0]);
    const anon = await flood({ headers: { 'Content-Type': 'application/json', Expect: '100-continue' }, total: 1000 });
    expect([anon.status, anon.continued]).toEqual([401, false]);
    expect((await api('listImages', {})).status).toBe(200); // the server is fine
  }, 60_000);
  it('deeply nested JSON: 400 with the depth, never 500 "Maximum call stack size exceeded"', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const body of [
      deep(200_000),
      `{"imageId":1,"revision":0,"steps":[{"kind":"do","seq":1,"diff":${deep(100_000)},"label":"x"}]}`,
      JSON.stringify({
        imageId: p.imageId,
        revision: 0,
        steps: [{ kind: 'do', seq: 1, diff: { added: {}, updated: {}, removed: {} }, label: 'x' }],
      }).replace('"added":{}', `"added":{"h":{"id":"h","joints":[],"crowd":false,"coco":{"x":${deep(50_000)}}}}`),
    ]) {
      const r = await send('POST', '/api/saveEdits', { headers: jsonHeaders, body });
      expect([r.status, r.json?.code]).toEqual([400, 'bad_request']);
      expect(r.json?.error).toMatch(/nested deeper than \d+ levels/);
    }
    expect(p.project.db.prepare('SELECT COUNT(*) FROM edits').pluck().get()).toBe(0);
  });
  it("every user's mistake is a 4xx with { error, code }, never a 500", async () => {
    writeFileSync(path.join(p.root, 'not-coco.json'), PASSWD);
    writeFileSync(path.join(p.root, 'half.json'), '{"images": [');
    const cases: [string, unknown, number, string][] = [
      ['noSuchMethod', {}, 404, 'not_found'],
      ['getAnnotation', { imageId: 999_999 }, 404, 'not_found'],
      ['getAnnotation', { imageId: 'x' }, 400, 'bad_request'],
      ['importCoco', { path: path.join(p.root, 'not-coco.json') }, 422, 'unprocessable'],
      ['importCoco', { path: path.join(p.root, 'half.json') }, 422, 'unprocessable'],
      ['importCoco', { path: path.join(p.root, 'nothing-here.json') }, 404, 'not_found'],
      [
        'exportCoco',
        { path: path.join(p.root, 'no-such-folder', 'x.json'), onlyReviewed: false, kind: 'gt' },
        404,
        'not_found',
      ],
      ['exportCoco', { path: path.join(p.root, 'x.json'), onlyReviewed: false, kind: 'results' }, 409, 'conflict'],
    ];
    for (const [method, body, code, name] of cases) {
      const r = await api(method, body);
      expect([r.status, r.json?.code], `${method} ${JSON.stringify(body)}`).toEqual([code, name]);
      expect(typeof r.json?.error).toBe('string');
      expect(r.text).not.toMatch(/ at .*\.ts:\d+|ENOENT|root:x/);
    }
    const step = { kind: 'do', seq: 1, diff: addPerson(EMPTY_ANNOTATION, 'h1'), label: 'add' };
    const edit = { imageId: p.imageId, revision: 0, steps: [step] };
    expect((await api('saveEdits', edit)).status).toBe(200);
    // Another person h1 made on the same (now stale) revision: the id is taken, a conflict, not a server error.
    const other = addPerson(EMPTY_ANNOTATION, 'h1');
    other.added.h1.crowd = true;
    const stale = await api('saveEdits', { ...edit, steps: [{ ...step, diff: other }] });
    expect([stale.status, stale.json?.code]).toEqual([409, 'conflict']);
    // A stale undo is a conflict too; a step without what its kind needs is the client's mistake (400).
    const staleUndo = await api('saveEdits', { ...edit, steps: [{ kind: 'undo', seq: 1 }] });
    expect([staleUndo.status, staleUndo.json?.code]).toEqual([409, 'conflict']);
    const noDiff = await api('saveEdits', { ...edit, revision: 1, steps: [{ kind: 'do', seq: 2, label: 'x' }] });
    expect([noDiff.status, noDiff.json?.error]).toEqual([
      400,
      'saveEdits request: $.steps[0].diff: expected an object, got undefined',
    ]);
    const far = await api('getEditHistory', { imageId: p.imageId, revision: 1, from: 1, to: 1000 });
    expect([far.status, far.json?.code]).toEqual([400, 'bad_request']);
    expect((await api('saveEdits', { ...edit, revision: 1, steps: [{ kind: 'undo', seq: 1 }] })).status).toBe(200);
    expect((await send('POST', '/api/listImages', { headers: jsonHeaders, body: '{"limit": 1,' })).json).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/not valid JSON/),
    });
  });
});
