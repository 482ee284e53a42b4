// Attacks on the team project's review features (issue 17's merge) over real HTTP on a real PostgreSQL: hostile
// COCO files imported by an admin (text PostgreSQL cannot hold, wrong types), two admins importing at once,
// annotators calling the reviewer's and admin's methods, and a user opening events streams without end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { COCO_KEYPOINTS } from '../../src/core/skeleton/poseMeta.ts';
import { send } from '../support/rawHttp.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'a long enough password';
let project: OpenProject, team: TeamDb, server: Awaited<ReturnType<typeof startTeamServer>>, ids: number[];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(3, 64, 48);
  team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  await addTeamUser(team, 'ann', 'annotator', PASSWORD);
  await addTeamUser(team, 'adm', 'admin', PASSWORD);
  await addTeamUser(team, 'adm2', 'admin', PASSWORD);
  await assignImages(team, [ids[0]], 'ann');
  server = await startTeamServer({ team, imagesRoot: project.root, modelPath: BUNDLED_MODEL_PATH, boss: null });
  for (const name of ['ann', 'adm', 'adm2'])
    tokens[name] = ((await post('/api/login', { name, password: PASSWORD })).json as { token: string }).token;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});
const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  send(server.port, 'POST', route, {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const as = (name: string) => ({ Authorization: `Bearer ${tokens[name]}` });
const counts = async () =>
  (
    await team.pool.query(
      'SELECT (SELECT COUNT(*) FROM team_images)::int AS i, (SELECT COUNT(*) FROM team_edits)::int AS e',
    )
  ).rows[0];

function gtFile(name: string, coco: unknown): string {
  const file = path.join(project.root, name);
  writeFileSync(file, typeof coco === 'string' ? coco : JSON.stringify(coco));
  return file;
}
const CAT = { id: 1, name: 'person', keypoints: [...COCO_KEYPOINTS], skeleton: [] };

describe.skipIf(PG_MISSING)('team review attacks', () => {
  it('a COCO file with a NUL character in a file name is a 422 by its path, nothing imported', async () => {
    const before = await counts();
    const coco = {
      images: [{ id: 1, file_name: 'new\u0000.jpg', width: 10, height: 10 }],
      annotations: [],
      categories: [CAT],
    };
    const r = await post('/api/importCoco', { path: gtFile('nul.json', coco) }, as('adm'));
    expect([r.status, r.json?.code]).toEqual([422, 'unprocessable']);
    expect(r.json?.error).toMatch(/images\[0\]\.file_name: "new\\u0000\.jpg" contains a control character/);
    expect(await counts()).toEqual(before);
  });

  it('two admins importing the same file at once: one adds the new image, the other finds it unchanged', async () => {
    const coco = {
      images: [
        { id: 50, file_name: 'photos/img000.png', width: 64, height: 48 },
        { id: 51, file_name: 'photos/img009.png', width: 64, height: 48 },
      ],
      annotations: [],
      categories: [CAT],
    };
    const f = gtFile('both.json', coco);
    const before = await counts();
    const rs = await Promise.all([
      post('/api/importCoco', { path: f }, as('adm')),
      post('/api/importCoco', { path: f }, as('adm2')),
    ]);
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
    const added = rs.map((r) => (r.json as { changes: { imagesAdded: number } }).changes.imagesAdded).sort();
    expect(added).toEqual([0, 1]);
    expect((await counts()).i).toBe(before.i + 1);
  });

  it('hostile calls of the review features: each a clear 4xx naming the problem, never a 500 or a stack', async () => {
    symlinkSync('/etc/passwd', path.join(project.root, 'link.json'));
    const out = (f: string) => ({ path: path.join(project.root, f), kind: 'gt', onlyReviewed: false });
    const cases: [string, string, unknown, number, RegExp][] = [
      [
        'adm',
        'importCoco',
        { path: `${project.root}/${path.relative(project.root, '/etc/passwd')}` },
        403,
        /outside the exchange folder/,
      ],
      ['adm', 'importCoco', { path: path.join(project.root, 'link.json') }, 403, /outside the exchange folder/],
      ['adm', 'importCoco', { path: 'relative.json' }, 404, /cannot read relative.json: no such file/],
      [
        'adm',
        'importCoco',
        { path: gtFile('t1.json', { images: 'x', annotations: {}, categories: 3 }) },
        422,
        /images: missing or not an array/,
      ],
      ['adm', 'importCoco', { path: gtFile('t2.json', '[1,2') }, 422, /not valid JSON/],
      [
        'adm',
        'importCoco',
        {
          path: gtFile('t3.json', {
            images: [{ id: 1, file_name: '../../x.png', width: 1, height: 1 }],
            annotations: [],
            categories: [CAT],
          }),
        },
        422,
        /must stay inside the images folder/,
      ],
      ['adm', 'exportCoco', out('link.json'), 403, /outside the exchange folder/],
      ['adm', 'exportCoco', { ...out(''), path: '/tmp/outside.json' }, 403, /outside the exchange folder/],
      ['adm', 'exportCoco', out('photos/img000.png'), 403, /is not a JSON file/],
      ['ann', 'exportCoco', out('y.json'), 403, /ann is an annotator/],
      ['ann', 'importCoco', { path: path.join(project.root, 't2.json') }, 403, /importing COCO is for admins/],
      ['ann', 'evaluate', {}, 403, /ann is an annotator/],
      ['ann', 'compareRuns', { runA: 1, runB: 2 }, 403, /ann is an annotator/],
      ['ann', 'setReviewSettings', { personScoreThreshold: 0.5 }, 403, /is for admins: ann is an annotator/],
      ['adm', 'setReviewSettings', { personScoreThreshold: 1e308 }, 400, /expected a finite number/],
      ['adm', 'evaluate', { runId: 99999999999999 }, 404, /no run 99999999999999/],
      ['adm', 'reviewQueue', { by: 'hardness', runId: 5 }, 404, /no run 5/],
      ['ann', 'editingImage', { imageId: ids[1], client: 'abcdefgh' }, 403, /not assigned to ann/],
      ['adm', 'editingImage', { imageId: 99999999, client: 'abcdefgh' }, 404, /no image 99999999/],
    ];
    for (const [who, m, body, status, message] of cases) {
      const r = await post(`/api/${m}`, body, as(who));
      expect([m, r.status], r.text).toEqual([m, status]);
      expect(r.json?.error).toMatch(message);
      expect(r.text).not.toMatch(/\n\s+at |ENOENT|EACCES/);
    }
  });

  it('one user opening events streams without end keeps the newest 32, not every one; others keep theirs', async () => {
    const open = new Map<string, http.ServerResponse | http.IncomingMessage>();
    const reqs: http.ClientRequest[] = [];
    const stream = (who: string, client: string) =>
      new Promise<void>((resolve) => {
        const req = http.get(
          `http://127.0.0.1:${server.port}/api/events?client=${client}`,
          { headers: { Authorization: `Bearer ${tokens[who]}` } },
          (res) => {
            open.set(client, res);
            res.on('close', () => open.delete(client));
            res.once('data', () => resolve());
            res.resume();
          },
        );
        req.on('error', () => undefined);
        reqs.push(req);
      });
    try {
      await stream('adm', 'admin-window');
      for (let i = 0; i < 100; i++) await stream('ann', `ann-window-${i}`);
      for (const t0 = Date.now(); open.size > 33 && Date.now() - t0 < 5000; )
        await new Promise((r) => setTimeout(r, 20));
      const anns = [...open.keys()].filter((k) => k.startsWith('ann-'));
      expect(anns).toEqual(Array.from({ length: 32 }, (_, i) => `ann-window-${68 + i}`));
      expect(open.has('admin-window')).toBe(true);
    } finally {
      for (const r of reqs) r.destroy();
    }
  });

  it('a room of 66 people on one image: each is answered and told (the first 64 names), never a 500', async () => {
    const names = Array.from({ length: 66 }, (_, i) => `crowd${String(i).padStart(2, '0')}`);
    for (const name of names) {
      await addTeamUser(team, name, 'reviewer', PASSWORD);
      tokens[name] = ((await post('/api/login', { name, password: PASSWORD })).json as { token: string }).token;
    }
    const events: string[] = [];
    const req = http.get(
      `http://127.0.0.1:${server.port}/api/events?client=watcher-window`,
      { headers: { Authorization: `Bearer ${tokens.adm}` } },
      (res) => res.on('data', (d: Buffer) => events.push(d.toString())),
    );
    req.on('error', () => undefined);
    try {
      let last: Awaited<ReturnType<typeof post>> | null = null;
      for (const name of names)
        last = await post('/api/editingImage', { imageId: ids[0], client: `${name}-window` }, as(name));
      expect([last!.status, last!.text]).toEqual([200, JSON.stringify({ editors: names.slice(0, 64) })]);
      const all = () =>
        events
          .join('')
          .split('\n\n')
          .filter((b) => b.includes('event: imageEditors'));
      for (const t0 = Date.now(); Date.now() - t0 < 5000; await new Promise((r) => setTimeout(r, 20)))
        if (all().some((b) => b.includes('crowd63'))) break;
      const newest = all().at(-1)!;
      expect(JSON.parse(/^data: (.*)$/m.exec(newest)![1]).editors).toEqual(names.slice(0, 64));
    } finally {
      req.destroy();
    }
  }, 60_000);
});
