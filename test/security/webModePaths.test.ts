// The attacks of issue 10 on the paths web mode reads and writes, over real HTTP against the real server, service
// and project database: project files swapped for links out of the project (images, thumbnails, detection, scan,
// import hashing), exchange paths outside the allowed folder or onto the project's own files, errors that echoed
import { copyModel } from '../support/processes.ts';
// file contents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../src/server/startServer.ts';
import { makeAttackProject, PASSWD, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import { send as rawSend } from '../support/rawHttp.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';

const TOKEN = 'attack-suite-token-0123456789abcdef';
let p: AttackProject, server: Awaited<ReturnType<typeof startServer>>;
const send = (method: string, urlPath: string, o?: Parameters<typeof rawSend>[3]) =>
  rawSend(server.port, method, urlPath, o);
const auth = { Authorization: `Bearer ${TOKEN}` };
const jsonHeaders = { ...auth, 'Content-Type': 'application/json' };
const api = (method: string, body: unknown, headers: Record<string, string> = jsonHeaders) =>
  send('POST', `/api/${method}`, { headers, body: JSON.stringify(body) });

beforeAll(async () => {
  p = await makeAttackProject();
  server = await startServer({ service: p.project.service, root: p.root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  p?.close();
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
      modelPath: copyModel(path.join(MODEL_FIXTURES, 'tiny.onnx'), p.project.root, 'tiny'), // models come from the project folder
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
      // a relative name lies in the exchange folder (issue 12): it cannot climb out of it or name the database
      ['../outside/x.json', 403, /outside the exchange folder/],
      ['.simplepose.sqlite', 403, /project database/],
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
    await p.project.service.setStatus({ imageId: p.imageId, status: 'no_person' });
    const ok = await api('exportCoco', { path: path.join(p.root, 'export.json'), onlyReviewed: false, kind: 'gt' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(readFileSync(path.join(p.root, 'export.json'), 'utf8')).images.length).toBeGreaterThan(0);
    const relative = await api('exportCoco', { path: 'relative.json', onlyReviewed: false, kind: 'gt' });
    expect([relative.status, relative.json?.path]).toEqual([200, path.join(p.root, 'relative.json')]);
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
