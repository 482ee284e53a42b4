// Attacks on the team server (issue 17) over real HTTP on a real PostgreSQL: what PostgreSQL cannot store (a NUL
// character) in a login or an API call, SQL-ish and oversized logins, malformed bodies, an annotator calling the
// admin's methods, a session after its logout, a forged Host: each a clear 4xx, never the database's error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoProject } from '../support/photoProject.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { send } from '../support/rawHttp.ts';
import { runCli } from '../support/runCli.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'a long enough password';
let project: OpenProject, team: TeamDb, server: Awaited<ReturnType<typeof startTeamServer>>, ids: number[];

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(4, 64, 48);
  team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  await addTeamUser(team, 'ann', 'annotator', PASSWORD);
  await addTeamUser(team, 'adm', 'admin', PASSWORD);
  await assignImages(team, [ids[0]], 'ann');
  server = await startTeamServer({ team, imagesRoot: project.root, modelPath: BUNDLED_MODEL_PATH, boss: null });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});
const raw = (route: string, body: string, headers: Record<string, string> = {}) =>
  send(server.port, 'POST', route, { headers: { 'Content-Type': 'application/json', ...headers }, body });
const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(route, JSON.stringify(body), headers);

const rows = async () =>
  (await team.pool.query('SELECT ((SELECT COUNT(*) FROM team_edits) + (SELECT COUNT(*) FROM team_sessions))::int AS n'))
    .rows[0].n;
async function login(name: string, password = PASSWORD) {
  return post('/api/login', { name, password });
}

describe.skipIf(PG_MISSING)('team server attacks', () => {
  it('password guessing: after 5 failed logins of a name it is refused with 429 (even the right password), others not', async () => {
    await addTeamUser(team, 'guessed', 'annotator', PASSWORD);
    const before = await rows();
    for (let i = 0; i < 5; i++) expect((await login('guessed', `wrong ${i}`)).status).toBe(401);
    const refused = await login('guessed');
    expect([refused.status, refused.json?.code]).toEqual([429, 'too_many_requests']);
    expect(refused.json?.error).toMatch(/^too many failed logins for this name \(5 in 60 s\): try again in \d+ s$/);
    expect(await rows()).toBe(before); // no session made
    expect((await login('adm')).status).toBe(200);
  });

  it('a NUL character in a login or an API call is a 400 by its JSON path, not a 500 of PostgreSQL', async () => {
    const before = await rows();
    for (const [body, at] of [
      [{ name: 'ann\u0000', password: PASSWORD }, '$.name'],
      [{ name: 'ann', password: `${PASSWORD}\u0000` }, '$.password'],
    ] as const) {
      const r = await post('/api/login', body);
      expect([r.status, r.json?.code], at).toEqual([400, 'bad_request']);
      expect(r.json?.error).toBe(`${at}: a text with a NUL character (U+0000), which a team project cannot store`);
    }
    const token = ((await login('ann')).json as { token: string }).token;
    const h = { Authorization: `Bearer ${token}` };
    for (const [person, label, at] of [
      ['p', 'add\u0000', '$.steps[0].label'],
      ['p\u0000', 'add', '$.steps[0].diff'],
    ]) {
      const steps = [{ kind: 'do', diff: addPerson(EMPTY_ANNOTATION, person), label }];
      const r = await post('/api/saveEdits', { imageId: ids[0], revision: 0, steps }, h);
      expect([r.status, r.json?.code], r.text).toEqual([400, 'bad_request']);
      expect(r.json?.error).toMatch(`${at}`);
      expect(r.json?.error).toMatch(/a text with a NUL character \(U\+0000\)/);
    }
    expect(await rows()).toBe(before + 1); // the one login; no edit, no session from the refused ones
  });

  it('SQL-ish, oversized and malformed logins: the same 401 or a 400, nothing logged in', async () => {
    const before = await rows();
    const users = async () => (await team.pool.query('SELECT COUNT(*)::int AS n FROM team_users')).rows[0].n;
    const usersBefore = await users();
    for (const name of ["' OR 1=1 --", "ann'; DROP TABLE team_users; --", 'a'.repeat(100_000), '\ud800'])
      expect((await login(name)).json, name.slice(0, 20)).toEqual({
        error: 'wrong user name or password',
        code: 'unauthorized',
      });
    expect((await login('ann', 'p'.repeat(900_000))).status).toBe(401);
    for (const body of ['{"name":', '[1,2]', 'null', '{"name":1,"password":2}']) {
      const r = await raw('/api/login', body);
      expect([r.status, r.json?.code], body).toEqual([400, 'bad_request']);
    }
    expect(await rows()).toBe(before);
    expect(await users()).toBe(usersBefore);
  });

  it("an annotator is refused the admin's methods; a session ends at its logout; a foreign Host is refused", async () => {
    const token = ((await login('ann')).json as { token: string }).token;
    const h = { Authorization: `Bearer ${token}` };
    const detect = await post('/api/startDetect', {}, h);
    expect([detect.status, detect.json?.error]).toEqual([403, 'starting detection is for admins: ann is an annotator']);
    const other = await post('/api/getAnnotation', { imageId: ids[1] }, h);
    expect(other.status).toBe(403);
    expect((await post('/api/logout', {}, h)).status).toBe(200);
    expect((await post('/api/listImages', {}, h)).json?.code).toBe('unauthorized');
    const forged = await send(server.port, 'POST', '/api/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ann', password: PASSWORD }),
      host: 'evil.com',
    });
    expect([forged.status, forged.json?.code]).toEqual([403, 'forbidden']);
  });

  it('simplepose team: an id past what PostgreSQL holds is a usage error naming the argument, not its error', async () => {
    const huge = '99999999999999999999';
    const cases: [string[], RegExp][] = [
      [['team', 'progress', '--team', team.url, huge], /give one run id \(a whole number\), got "9+"/],
      [['team', 'cancel', '--team', team.url, huge], /give one run id \(a whole number\), got "9+"/],
      [['team', 'assign', '--team', team.url, '--user', 'ann', '--images', `1,${huge}`], /--images must be image ids/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(...argv);
      expect({ argv: argv[1], code: r.code }).toEqual({ argv: argv[1], code: 2 });
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/out of range|bigint/);
    }
  });

  it("the admin's cancelJob: a job id that is no team run's is a 404 by name, whatever its number", async () => {
    const token = ((await login('adm')).json as { token: string }).token;
    const h = { Authorization: `Bearer ${token}` };
    for (const jobId of ['team-run-99999999999999999999', 'team-run-', 'team-run-1e3', 'team-run--1', 'nope']) {
      const r = await post('/api/cancelJob', { jobId }, h);
      expect([r.status, r.json?.error], jobId).toEqual([404, `no job ${jobId}`]);
    }
  });

  it("an annotator's session reaches no other image's media, and media refuse a forged Host", async () => {
    const token = ((await login('ann')).json as { token: string }).token;
    for (const kind of ['images', 'thumbs']) {
      const get = (id: number | string, host?: string) =>
        send(server.port, 'GET', `/${kind}/${id}?token=${token}`, host ? { host } : {});
      expect((await get(ids[0])).status, kind).toBe(200);
      const other = await get(ids[1]);
      expect([other.status, other.json?.error]).toEqual([
        403,
        `image ${ids[1]} is not assigned to ann: annotators see only their own images`,
      ]);
      expect([(await get(999999)).status, (await get(999999)).json?.code]).toEqual([404, 'not_found']);
      expect([400, 404]).toContain((await get('99999999999999999999')).status);
      expect((await get(ids[0], 'evil.com')).status).toBe(403);
    }
  });

  it('simplepose team serve: a --host or --port it cannot listen on is a usage error naming it, never ENOTFOUND', async () => {
    const busy = server.port;
    const cases: [string[], RegExp][] = [
      [['--host', 'no-such-host.invalid'], /--host no-such-host.invalid: no such host name/],
      [['--host', '192.0.2.1'], /--host 192.0.2.1 is not an address of this machine/],
      [['--port', String(busy)], new RegExp(`127.0.0.1:${busy} is in use: choose another --port`)],
      [['--exchange-dir', '/nonexistent/exports'], /--exchange-dir \/nonexistent\/exports: no such folder/],
    ];
    for (const [args, message] of cases) {
      const argv = ['team', 'serve', '--team', team.url, '--images', project.root, '--no-build', ...args];
      const r = await runCli(...argv);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/ENOTFOUND|EADDR|getaddrinfo/);
    }
  }, 60_000);

  it('simplepose worker: a --model that is not there is said at its start, not when a batch comes', async () => {
    for (const model of ['/nonexistent/model.onnx', project.root]) {
      const r = await runCli(
        'worker',
        '--team',
        team.url,
        '--images',
        project.root,
        '--model',
        model,
        '--exit-when-idle',
      );
      expect({ model, code: r.code }).toEqual({ model, code: 3 });
      expect(r.err.join('\n')).toMatch(`--model ${model}: no such file`);
    }
  });
});
