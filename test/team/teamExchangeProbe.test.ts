// Attack on the team server's COCO exchange (--exchange-dir) over real HTTP on a real PostgreSQL: a path outside
// the exchange folder got 404 when nothing was there and 403 when a file was, so any admin session could map the
// server's disk (which files, folders and links exist). Outside the folder every path now gets the same refusal,
// whatever is there; inside it the answers say what is wrong.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoProject } from '../support/photoProject.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser } from '../../src/node/team/teamAccounts.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { send } from '../support/rawHttp.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'a long enough password';
let project: OpenProject, server: Awaited<ReturnType<typeof startTeamServer>>, auth: Record<string, string>;
const exchange = mkdtempSync(path.join(tmpdir(), 'sp-exchange-'));
const elsewhere = mkdtempSync(path.join(tmpdir(), 'sp-elsewhere-'));

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(2, 64, 48);
  const team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  await addTeamUser(team, 'adm', 'admin', PASSWORD);
  server = await startTeamServer({
    team,
    imagesRoot: project.root,
    modelPath: BUNDLED_MODEL_PATH,
    boss: null,
    exchange: { kind: 'folder', dir: exchange },
  });
  const login = await post('/api/login', { name: 'adm', password: PASSWORD });
  auth = { Authorization: `Bearer ${(login.json as { token: string }).token}` };
  // outside: a readable COCO file, a folder, and links inside the exchange folder to both and to nothing
  writeFileSync(path.join(elsewhere, 'there.json'), '{"images": [], "annotations": [], "categories": []}');
  mkdirSync(path.join(elsewhere, 'folder'));
  symlinkSync(path.join(elsewhere, 'there.json'), path.join(exchange, 'to-there.json'));
  symlinkSync(path.join(elsewhere, 'none.json'), path.join(exchange, 'to-none.json'));
  symlinkSync(path.join(elsewhere, 'folder'), path.join(exchange, 'to-folder'));
  symlinkSync(path.join(elsewhere, 'no-folder'), path.join(exchange, 'to-no-folder'));
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});
function post(route: string, body: unknown, headers: Record<string, string> = {}) {
  return send(server.port, 'POST', route, {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Paths outside the exchange folder: what exists there and what does not, named directly or through links. */
const OUTSIDE = [
  path.join(elsewhere, 'there.json'),
  path.join(elsewhere, 'none.json'),
  path.join(elsewhere, 'folder'),
  path.join(elsewhere, 'folder', 'x.json'),
  path.join(elsewhere, 'no-folder', 'x.json'),
  path.join(elsewhere, 'no-folder', 'deeper', 'x.json'),
  '/nonexistent-top-level-folder/x.json',
  `../${path.basename(elsewhere)}/there.json`,
  `../${path.basename(elsewhere)}/none.json`,
  'to-there.json',
  'to-none.json',
  'to-folder',
  'to-folder/x.json',
  'to-no-folder/x.json',
];

describe.skipIf(PG_MISSING)('the team server exchange folder, probed from outside', () => {
  for (const method of ['importCoco', 'exportCoco'] as const)
    it(`${method}: every path outside the folder gets the same 403, whether or not anything is there`, async () => {
      const answers = new Set<string>();
      for (const p of OUTSIDE) {
        const body = method === 'importCoco' ? { path: p } : { path: p, onlyReviewed: false, kind: 'gt' };
        const r = await post(`/api/${method}`, body, auth);
        expect(r.status, p).toBe(403);
        const error = (r.json as { error: string }).error;
        expect(error.startsWith(`${p}: outside the exchange folder ${exchange} `), `${p}: ${error}`).toBe(true);
        answers.add(`${r.status} ${error.slice(p.length)}`);
      }
      expect([...answers]).toHaveLength(1);
    });

  it('inside the folder the answers still say what is wrong', async () => {
    const imp = async (p: string) => {
      const r = await post('/api/importCoco', { path: p }, auth);
      return [r.status, (r.json as { error: string }).error];
    };
    expect(await imp('none.json')).toEqual([404, 'cannot read none.json: no such file']);
    mkdirSync(path.join(exchange, 'sub'), { recursive: true });
    expect(await imp('sub')).toEqual([400, 'cannot read sub: it is a folder']);
    const out = await post('/api/exportCoco', { path: 'no/such/gt.json', onlyReviewed: false, kind: 'gt' }, auth);
    expect(out.status).toBe(404);
    const ok = await post('/api/exportCoco', { path: 'gt.json', onlyReviewed: false, kind: 'gt' }, auth);
    expect(ok.status).toBe(200);
  });
});
