// The review app opens a team project by URL + login (issue 17, web mode first): in Debian's Chromium against the
// team server on a real PostgreSQL, a stranger is sent to the login page, a wrong password is refused on the page,
// and an annotator who logs in gets the app on exactly the images assigned to them, with their edits saved to the
// team database under their name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { pgMissing, startPgCluster, type PgCluster } from '../../scripts/pgCluster.ts';
import { photoProject } from '../support/photoProject.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { openTeamDb, type TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);
const PG = pgMissing();
if (PG) console.warn(`team end-to-end test skipped: ${PG}`);
const PASSWORD = 'annotator password';

let cluster: PgCluster, team: TeamDb, project: OpenProject, browser: Browser, page: Page;
let server: Awaited<ReturnType<typeof startTeamServer>>;
let ids: number[];
const errors: string[] = [];

beforeAll(async () => {
  if (PG) return;
  ensureBuild(PROJECT_ROOT, () => undefined);
  cluster = await startPgCluster();
  team = await openTeamDb(await cluster.createDatabase('team_e2e'));
  project = await photoProject(5, 160, 120);
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  await addTeamUser(team, 'ann', 'annotator', PASSWORD);
  await assignImages(team, [ids[1], ids[3]], 'ann');
  server = await startTeamServer({
    team,
    imagesRoot: project.root,
    modelPath: BUNDLED_MODEL_PATH,
    boss: null,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
  page.on('pageerror', (e) => errors.push(e.message));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await team?.close();
  await project?.close();
  cluster?.stop();
});

describe.skipIf(PG)('the review app on a team project', () => {
  it('sends a stranger to the login, refuses a wrong password, and opens the annotator’s images after a login', async () => {
    await page.goto(`http://127.0.0.1:${server.port}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#name', 'ann');
    await page.fill('#password', 'not my password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#error')).toBe('wrong user name or password');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => window.studio?.snapshot().current != null && !window.studio.snapshot().loading);
    expect(await page.evaluate(() => window.studio!.snapshot().current!.row.id)).toBe(ids[1]);
    await expect
      .poll(() => page.locator('.image-row .row-name').allTextContents())
      .toEqual(['photos/img001.png', 'photos/img003.png']);
    expect(errors).toEqual([]);
  });

  it('saves an edit made in the app to the team database, under the annotator’s name', async () => {
    // N adds a person in the editor (the app's own command), saved through the contract like any edit
    await page.evaluate(() => window.studio!.runCommandId('person.add'));
    await expect
      .poll(
        async () =>
          (await team.pool.query('SELECT revision FROM team_annotations WHERE image_id = $1', [ids[1]])).rows[0]
            ?.revision,
      )
      .toBe(1);
    const who = await team.pool.query(
      'SELECT u.name FROM team_edits e JOIN team_users u ON u.id = e.user_id WHERE e.image_id = $1',
      [ids[1]],
    );
    expect(who.rows).toEqual([{ name: 'ann' }]);
  });
});
