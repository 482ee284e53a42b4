// Who has an image open, through the real team server on a real PostgreSQL: windows say where they are
// (editingImage), the others' streams hear it (imageEditors), and a window is forgotten when it leaves, when its
// events stream closes (a killed browser) or when it stops heart-beating; annotators hear only of their images; a
// saved edit names who saved it to everyone else.
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
const EXPIRY_MS = 800;
let project: OpenProject;
let team: TeamDb;
let server: Awaited<ReturnType<typeof startTeamServer>>;
let base: string;
let ids: number[];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(3, 64, 48);
  team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  for (const [name, role] of [
    ['ann', 'annotator'],
    ['rev', 'reviewer'],
    ['eve', 'annotator'],
  ] as const)
    await addTeamUser(team, name, role, PASSWORD);
  await assignImages(team, [ids[0]], 'ann');
  await assignImages(team, [ids[1]], 'eve');
  server = await startTeamServer({
    team,
    imagesRoot: project.root,
    modelPath: BUNDLED_MODEL_PATH,
    boss: null,
    presenceExpiryMs: EXPIRY_MS,
  });
  base = `http://127.0.0.1:${server.port}`;
  for (const name of ['ann', 'rev', 'eve']) {
    const r = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, password: PASSWORD }),
    });
    tokens[name] = ((await r.json()) as { token: string }).token;
  }
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});

const call = (who: string, method: string, body: unknown) =>
  fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[who]}` },
    body: JSON.stringify(body),
  });
const editing = async (who: string, client: string, imageId: number | null) => {
  const r = await call(who, 'editingImage', { imageId, client });
  return { status: r.status, body: (await r.json()) as { editors?: string[]; error?: string } };
};

/** An events stream of one window: the events it got, by name. */
function stream(who: string, client?: string) {
  const events: { name: string; data: Record<string, unknown> }[] = [];
  let buffered = '';
  const q = client ? `?client=${client}` : '';
  const req = http.get(`${base}/api/events${q}`, { headers: { Authorization: `Bearer ${tokens[who]}` } }, (res) => {
    res.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name && data) events.push({ name, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => undefined);
  const editorsOf = (imageId: number) =>
    events.filter((e) => e.name === 'imageEditors' && e.data.imageId === imageId).at(-1)?.data.editors as
      | string[]
      | undefined;
  return { events, editorsOf, close: () => req.destroy() };
}

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(PG_MISSING)('who has an image open (team server)', () => {
  it('tells the others at once, and forgets a window whose events stream closes', async () => {
    const revStream = stream('rev', 'rev-window-1');
    const annStream = stream('ann', 'ann-window-1');
    await pause(200);
    expect(await editing('ann', 'ann-window-1', ids[0])).toEqual({ status: 200, body: { editors: [] } });
    await until('rev hears that ann has the image', () => revStream.editorsOf(ids[0])?.join() === 'ann');
    // rev opens it too: the answer names ann; ann's stream names rev, never herself
    expect(await editing('rev', 'rev-window-1', ids[0])).toEqual({ status: 200, body: { editors: ['ann'] } });
    await until('ann hears of rev', () => annStream.editorsOf(ids[0])?.join() === 'rev');
    // ann's browser is killed: her stream closes, and rev is told she is gone
    annStream.close();
    await until('ann gone', () => revStream.editorsOf(ids[0])?.length === 0);
    // a window connecting later hears who is where at once
    const late = stream('ann', 'ann-window-2');
    await until('the late window hears of rev', () => late.editorsOf(ids[0])?.join() === 'rev');
    late.close();
    await editing('rev', 'rev-window-1', null);
    revStream.close();
  });

  it('forgets a window that stops heart-beating, not one that keeps at it', async () => {
    const revStream = stream('rev', 'rev-window-2');
    await pause(200);
    await editing('ann', 'ann-no-stream', ids[0]); // a window whose stream never opened (or hangs)
    await until('ann shown', () => revStream.editorsOf(ids[0])?.join() === 'ann');
    for (let i = 0; i < 6; i++) {
      await pause(EXPIRY_MS / 4);
      await editing('ann', 'ann-no-stream', ids[0]);
    }
    expect(revStream.editorsOf(ids[0])).toEqual(['ann']); // 1.2 × the expiry: still there while it beats
    await until('ann expired', () => revStream.editorsOf(ids[0])?.length === 0, EXPIRY_MS * 3);
    revStream.close();
  });

  it('moving to another image leaves the first; leaving says so', async () => {
    const revStream = stream('rev', 'rev-window-3');
    await pause(200);
    await editing('rev', 'rev-window-9', ids[2]);
    await editing('ann', 'ann-window-3', ids[0]);
    await until('ann on 0', () => revStream.editorsOf(ids[0])?.join() === 'ann');
    expect((await editing('rev', 'rev-window-4', ids[2])).body.editors).toEqual(['rev']); // my other window
    await editing('rev', 'rev-window-9', null);
    await editing('rev', 'rev-window-4', null);
    await editing('ann', 'ann-window-3', null);
    await until('ann left', () => revStream.editorsOf(ids[0])?.length === 0);
    revStream.close();
  });

  it('annotators announce and hear of their own images only; nobody can move another user’s window', async () => {
    const eveStream = stream('eve', 'eve-window-1');
    await pause(200);
    const refused = await editing('eve', 'eve-window-1', ids[0]);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/not assigned to eve/);
    await editing('rev', 'rev-window-5', ids[0]);
    await editing('rev', 'rev-window-6', ids[1]);
    await until('eve hears of rev on her image', () => eveStream.editorsOf(ids[1])?.join() === 'rev');
    expect(eveStream.editorsOf(ids[0])).toBeUndefined();
    // the same window id from another user is another window: rev's stays
    await editing('eve', 'rev-window-6', null);
    expect((await editing('ann', 'ann-window-4', ids[0])).body.editors).toEqual(['rev']);
    expect((await editing('eve', 'eve-window-1', ids[1])).body.editors).toEqual(['rev']);
    for (const [who, w] of [
      ['rev', 'rev-window-5'],
      ['rev', 'rev-window-6'],
      ['ann', 'ann-window-4'],
      ['eve', 'eve-window-1'],
    ])
      await editing(who, w, null);
    eveStream.close();
  });

  it('refuses a malformed window id or image by name', async () => {
    const bad = await editing('rev', 'x', ids[0]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/client/);
    const none = await editing('rev', 'rev-window-7', 999_999);
    expect(none.status).toBe(404);
    expect(none.body.error).toMatch(/no image 999999/);
  });

  it('names who saved an edit to everyone else, not to them', async () => {
    const annStream = stream('ann', 'ann-window-5');
    const revStream = stream('rev', 'rev-window-8');
    await pause(200);
    const r = await call('rev', 'saveEdits', {
      imageId: ids[0],
      revision: 0,
      steps: [{ kind: 'do', diff: addPerson(EMPTY_ANNOTATION, 'p'), label: 'add' }],
    });
    expect(r.status).toBe(200);
    // the answer confirms the step where the editor made it (its history replays it: no second request, no
    // "another window"); a re-based save carries the state as saved instead (teamUndo.test.ts)
    const answer = await r.json();
    expect(answer).toEqual({ revision: 1, cursor: 1, length: 1 });
    const changed = (s: ReturnType<typeof stream>) => s.events.find((e) => e.name === 'annotationChanged')?.data;
    await until('both hear of the change', () => !!changed(annStream) && !!changed(revStream));
    expect(changed(annStream)).toEqual({ imageId: ids[0], revision: 1, by: 'rev' });
    expect(changed(revStream)).toEqual({ imageId: ids[0], revision: 1 });
    annStream.close();
    revStream.close();
  });
});
