// The attacks of issue 10 on web mode, over real HTTP against the real server, service and project database:
// forged Host/Origin/Content-Type, the token sent the ways a cross-origin page could, oversized and deeply nested
// bodies, links out of the project, exchange paths outside the allowed folder or onto the project's own files.
// Each attack asserts the refusal (status, code, message) and that the project did not change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../src/server/startServer.ts';
import { makeAttackProject, PASSWD, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';

const TOKEN = 'attack-suite-token-0123456789abcdef';
let p: AttackProject, server: Awaited<ReturnType<typeof startServer>>, self: string;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: { error?: string; code?: string; [k: string]: unknown } | null;
}

/** One request with exactly the headers given (plus Host unless `host: null`). */
function send(
  method: string,
  urlPath: string,
  o: { headers?: Record<string, string>; body?: string | Buffer; host?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...o.headers };
    if (o.host !== undefined && o.host !== null) headers.Host = o.host;
    if (o.body !== undefined) headers['Content-Length'] = Buffer.byteLength(o.body);
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: urlPath, headers, setHost: o.host !== null },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
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

/**
 * Streams `total` bytes of body over a raw socket until the server closes the connection (a server that reads on
 * lets every byte through); resolves the server's answer and how many bytes got out.
 */
function flood(o: {
  headers: Record<string, string | number>;
  total: number;
  chunked?: boolean;
}): Promise<{ status: number | null; json: Reply['json']; sentBytes: number; continued: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let sent = 0,
      got = '',
      done = false,
      answered = false;
    const headers = {
      Host: self,
      ...o.headers,
      ...(o.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': o.total }),
    };
    const head = `POST /api/listImages HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    const parse = () => {
      const final = got.split('\r\n\r\n').length > 1 ? /HTTP\/1\.1 (?!100)(\d+)[^]*?\r\n\r\n([^]*)$/.exec(got) : null;
      let json = null;
      try {
        json = final ? JSON.parse(final[2]) : null;
      } catch {
        /* incomplete */
      }
      return { status: final ? Number(final[1]) : null, json, continued: got.startsWith('HTTP/1.1 100') };
    };
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ ...parse(), sentBytes: sent });
    };
    sock.on('data', (d) => {
      got += d;
      const r = parse();
      if (r.continued && !answered && r.status === null) pump();
      if (r.status !== null && !answered) {
        answered = true;
        setTimeout(finish, 300); // keep writing a moment after the answer
      }
    });
    sock.on('error', () => setTimeout(finish, 50));
    sock.on('close', () => setTimeout(finish, 50));
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const frame = o.chunked
      ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
      : chunk;
    let pumping = false;
    const pump = () => {
      if (pumping) return;
      pumping = true;
      const go = () => {
        while (!done && !sock.destroyed && sent < o.total) {
          sent += chunk.length;
          if (!sock.write(frame)) return void sock.once('drain', go);
        }
      };
      go();
    };
    sock.write(head);
    if (!o.headers.Expect) pump();
    setTimeout(finish, 20_000);
  });
}

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
      `{"imageId":1,"diff":${deep(100_000)},"label":"x"}`,
      JSON.stringify({
        imageId: p.imageId,
        diff: { added: {}, updated: {}, removed: {} },
        label: 'x',
      }).replace('"added":{}', `"added":{"h":{"id":"h","joints":[],"crowd":false,"coco":{"x":${deep(50_000)}}}}`),
    ]) {
      const r = await send('POST', '/api/applyEdit', { headers: jsonHeaders, body });
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
    const edit = { imageId: p.imageId, diff: addPerson(EMPTY_ANNOTATION, 'h1'), label: 'add' };
    expect((await api('applyEdit', edit)).status).toBe(200);
    expect([(await api('applyEdit', edit)).status, (await api('applyEdit', edit)).json?.code]).toEqual([
      409,
      'conflict',
    ]);
    expect((await api('undo', { imageId: p.imageId })).status).toBe(200);
    expect((await send('POST', '/api/listImages', { headers: jsonHeaders, body: '{"limit": 1,' })).json).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/not valid JSON/),
    });
  });
});

describe('links and paths', () => {
  it('a project file swapped for a link out of the project: no image, no thumbnail, no detection read', async () => {
    for (const route of ['images', 'thumbs']) {
      const r = await send('GET', `/${route}/${p.swappedId}`, { headers: auth });
      expect([r.status, r.json?.code], route).toEqual([403, 'forbidden']);
      expect(r.json?.error).toMatch(/outside the project folder/);
    }
    // The real image is still served (and its thumbnail), so the refusal is about the link, not the route.
    expect((await send('GET', `/thumbs/${p.imageId}`, { headers: auth })).status).toBe(200);
    expect(() => p.project.service.imagePath(p.swappedId)).toThrow(/outside the project folder/);
    // Detection reads the project's images through the same resolver: the swapped one fails, the other is done.
    const finished = new Promise((resolve) => p.project.service.events.once('jobFinished', resolve));
    const job = await api('startDetect', {
      modelPath: path.join(MODEL_FIXTURES, 'tiny.onnx'),
      settings: { scales: [0.25], flip: false, mode: 'fast' },
    });
    expect(job.status).toBe(200);
    expect(await finished).toMatchObject({ status: 'done' });
    const predicted = p.project.db.prepare('SELECT image_id FROM predictions').pluck().all();
    expect(predicted).toContain(p.imageId);
    expect(predicted).not.toContain(p.swappedId);
  }, 60_000);
  it('the scan does not take in links that leave the project folder, and says why', async () => {
    symlinkSync(path.join(p.outside, 'secret.png'), path.join(p.root, 'linked.png'));
    mkdirSync(path.join(p.outside, 'dir'));
    writeFileSync(path.join(p.outside, 'dir', 'x.png'), readFileSync(path.join(p.outside, 'secret.png')));
    symlinkSync(path.join(p.outside, 'dir'), path.join(p.root, 'linked-dir'));
    const { syncImages } = await import('../../src/node/project/syncImages.ts');
    const r = await syncImages(p.project.db, p.root);
    expect(r.unreadable).toEqual(
      expect.arrayContaining([
        { relPath: 'linked.png', reason: 'the link leads outside the project folder' },
        { relPath: 'linked-dir', reason: 'the link leads outside the project folder' },
      ]),
    );
    const rels = p.project.db.prepare('SELECT rel_path FROM images').pluck().all();
    expect(rels).not.toContain('linked.png');
    expect(rels).not.toContain('linked-dir/x.png');
  });
  it('exchange paths stay in the project folder; never the project database, its WAL/SHM or the map cache', async () => {
    const before = projectSnapshot(p);
    const db = path.join(p.root, '.simplepose.sqlite');
    symlinkSync(p.outside, path.join(p.root, 'out-link'));
    symlinkSync(db, path.join(p.root, 'db-link.json'));
    linkSync(db, path.join(p.root, 'db-hardlink.json'));
    const refused: [string, number, RegExp][] = [
      [path.join(p.outside, 'x.json'), 403, /outside the exchange folder/],
      [path.join(p.root, '..', 'outside', 'x.json'), 403, /outside the exchange folder/],
      [path.join(p.root, 'out-link', 'x.json'), 403, /outside the exchange folder/],
      [db, 403, /project database/],
      [`${db}-wal`, 403, /project database/],
      [`${db}-shm`, 403, /project database/],
      [path.join(p.root, 'db-link.json'), 403, /project database/],
      [path.join(p.root, 'db-hardlink.json'), 403, /project database/],
      [path.join(p.root, '.simplepose-cache', 'x.json'), 403, /map cache/],
      [path.join(p.root, 'a.png'), 403, /exists and is not a JSON file/],
      ['relative.json', 400, /absolute/],
      [`${p.root}/x\u0000.json`, 400, /not a usable path/],
    ];
    const snapshotAfterLinks = projectSnapshot(p);
    for (const [file, code, why] of refused) {
      const r = await api('exportCoco', { path: file, onlyReviewed: false, kind: 'gt' });
      expect([r.status, r.json?.code], file).toEqual([code, code === 400 ? 'bad_request' : 'forbidden']);
      expect(r.json?.error, file).toMatch(why);
    }
    expect(existsSync(path.join(p.outside, 'x.json'))).toBe(false);
    expect(projectSnapshot(p)).toBe(snapshotAfterLinks);
    expect(before).not.toBe(snapshotAfterLinks); // the links themselves are in the listing
    const ok = await api('exportCoco', { path: path.join(p.root, 'export.json'), onlyReviewed: false, kind: 'gt' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(readFileSync(path.join(p.root, 'export.json'), 'utf8')).images.length).toBeGreaterThan(0);
  });
  it('importCoco reads only inside the project folder, and its errors never show file contents', async () => {
    for (const file of ['/etc/passwd', path.join(p.outside, 'passwd'), path.join(p.root, 'out-link', 'passwd')]) {
      const r = await api('importCoco', { path: file });
      expect([r.status, r.json?.code], file).toEqual([403, 'forbidden']);
      expect(r.text).not.toContain('root:');
    }
    writeFileSync(path.join(p.root, 'passwd.json'), PASSWD);
    const r = await api('importCoco', { path: path.join(p.root, 'passwd.json') });
    expect([r.status, r.json?.code]).toEqual([422, 'unprocessable']);
    expect(r.json?.error).toMatch(/not valid JSON.*line 1 column 1/);
    expect(r.text).not.toMatch(/root|daemon|bash/);
  });
  it('import does not hash (read) an image through a link out of the project', async () => {
    const coco = {
      images: [{ id: 1, file_name: 'swapped.png', width: 97, height: 61 }],
      annotations: [],
      categories: [{ id: 1, name: 'person', supercategory: 'person', keypoints: [], skeleton: [] }],
    };
    const { COCO_KEYPOINTS, COCO_SKELETON_1BASED } = await import('../../src/core/skeleton/poseMeta.ts');
    coco.categories[0].keypoints = [...COCO_KEYPOINTS] as never;
    coco.categories[0].skeleton = COCO_SKELETON_1BASED.map((x) => [...x]) as never;
    const db = p.project.db;
    db.prepare("DELETE FROM images WHERE rel_path = 'swapped.png'").run();
    writeFileSync(path.join(p.root, 'link-import.json'), JSON.stringify(coco));
    const r = await api('importCoco', { path: path.join(p.root, 'link-import.json') });
    expect([r.status, r.json?.code]).toEqual([403, 'forbidden']);
    expect(r.json?.error).toMatch(/swapped\.png.*outside the project folder/);
    expect(db.prepare("SELECT COUNT(*) FROM images WHERE rel_path = 'swapped.png'").pluck().get()).toBe(0);
  });
});
