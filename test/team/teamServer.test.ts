// The team server over real HTTP on a real PostgreSQL: per-user logins, web mode's request rules (Host, Origin,
// JSON only) for the login too, the contract answered with the user's rights, media behind the session, the page
// sending a stranger to the login, and the contract's events to the clients allowed to see them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { photoProject } from '../support/photoProject.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'a long enough password';
let project: OpenProject;
let team: TeamDb;
let server: Awaited<ReturnType<typeof startTeamServer>>;
let base: string;
let ids: number[];

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(4, 64, 48);
  team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  await addTeamUser(team, 'ann', 'annotator', PASSWORD);
  await addTeamUser(team, 'rev', 'reviewer', PASSWORD);
  await assignImages(team, [ids[0]], 'ann');
  server = await startTeamServer({ team, imagesRoot: project.root, modelPath: BUNDLED_MODEL_PATH, boss: null });
  base = `http://127.0.0.1:${server.port}`;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
    redirect: 'manual',
  });
async function login(name: string): Promise<string> {
  const r = await post('/api/login', { name, password: PASSWORD });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

describe.skipIf(PG_MISSING)('team server', () => {
  it('logs users in by password; a wrong one, a forged origin and a form post are refused', async () => {
    const wrong = await post('/api/login', { name: 'ann', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'wrong user name or password', code: 'unauthorized' });
    const forged = await post('/api/login', { name: 'ann', password: PASSWORD }, { Origin: 'http://evil.example' });
    expect(forged.status).toBe(403);
    const form = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=ann&password=x',
    });
    expect(form.status).toBe(415);
    const bad = await post('/api/login', { name: 'ann' });
    expect(bad.status).toBe(400);
    expect(typeof (await login('ann'))).toBe('string');
  });

  it('answers the contract with the user’s rights, over Bearer sessions only', async () => {
    const ann = await login('ann');
    const auth = { Authorization: `Bearer ${ann}` };
    const none = await post('/api/listImages', {});
    expect(none.status).toBe(401);
    const mine = await post('/api/listImages', {}, auth);
    expect(((await mine.json()) as { images: { id: number }[] }).images.map((i) => i.id)).toEqual([ids[0]]);
    const other = await post('/api/getAnnotation', { imageId: ids[1] }, auth);
    expect(other.status).toBe(403);
    const accept = await post('/api/setStatus', { imageId: ids[0], status: 'accepted' }, auth);
    expect(accept.status).toBe(403);
    const invalid = await post('/api/setStatus', { imageId: ids[0], status: 'finished' }, auth);
    expect(invalid.status).toBe(400); // the contract's validation, as in web mode
    const rev = await login('rev');
    expect(
      ((await (await post('/api/projectInfo', {}, { Authorization: `Bearer ${rev}` })).json()) as { images: number })
        .images,
    ).toBe(4);
    const image = await fetch(`${base}/images/${ids[1]}?token=${ann}`);
    expect(image.status).toBe(403);
    const own = await fetch(`${base}/images/${ids[0]}?token=${ann}`);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/png');
    const out = await post('/api/logout', {}, auth);
    expect(out.status).toBe(200);
    expect((await post('/api/listImages', {}, auth)).status).toBe(401);
  });

  it('sends the page to the login without a session, and serves the login page with a strict CSP', async () => {
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await login.text()).toContain('<form id="login">');
  });

  it('pushes annotationChanged to the clients that may see the image', async () => {
    const rev = await login('rev');
    const seen: string[] = [];
    const req = http.get(`${base}/api/events`, { headers: { Authorization: `Bearer ${rev}` } }, (res) => {
      res.on('data', (d: Buffer) => seen.push(d.toString()));
    });
    await new Promise((r) => setTimeout(r, 300));
    const diff = addPerson(EMPTY_ANNOTATION, 'p');
    const r = await post(
      '/api/saveEdits',
      { imageId: ids[2], revision: 0, steps: [{ kind: 'do', diff, label: 'add' }] },
      { Authorization: `Bearer ${rev}` },
    );
    expect(r.status).toBe(200);
    for (let i = 0; i < 50 && !seen.join('').includes('annotationChanged'); i++)
      await new Promise((x) => setTimeout(x, 50));
    req.destroy();
    expect(seen.join('')).toContain(`event: annotationChanged\ndata: {"imageId":${ids[2]},"revision":1}`);
  });

  it('pushes a change of the review settings to every client, an annotator’s too; only an admin makes it', async () => {
    await addTeamUser(team, 'adm', 'admin', PASSWORD);
    const [adm, ann] = [await login('adm'), await login('ann')];
    const seen: string[] = [];
    const req = http.get(`${base}/api/events`, { headers: { Authorization: `Bearer ${ann}` } }, (res) => {
      res.on('data', (d: Buffer) => seen.push(d.toString()));
    });
    await new Promise((r) => setTimeout(r, 300));
    const refused = await post(
      '/api/setReviewSettings',
      { personScoreThreshold: 0.2 },
      { Authorization: `Bearer ${ann}` },
    );
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, 'forbidden']);
    const r = await post('/api/setReviewSettings', { personScoreThreshold: 0.25 }, { Authorization: `Bearer ${adm}` });
    expect(r.status).toBe(200);
    for (let i = 0; i < 50 && !seen.join('').includes('reviewSettingsChanged'); i++)
      await new Promise((x) => setTimeout(x, 50));
    req.destroy();
    expect(seen.join('')).toContain(
      'event: reviewSettingsChanged\ndata: {"personScoreThreshold":0.25,"isDefault":false}',
    );
    const read = await post('/api/getReviewSettings', {}, { Authorization: `Bearer ${ann}` });
    expect(await read.json()).toEqual({ personScoreThreshold: 0.25, isDefault: false });
  });
});
