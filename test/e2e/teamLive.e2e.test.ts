// Two people on one image of a team project (issue 17), in two Debian Chromium processes logged in as two users
// against the team server on a real PostgreSQL: each sees that the other has the image open (gone when the other
// moves on, and when their browser is killed), and when Alice moves a joint Bob's editor shows it within a couple of
// seconds without a reload, while the joint Bob is dragging at that moment stays his and is saved too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { pgMissing, startPgCluster, type PgCluster } from '../../scripts/pgCluster.ts';
import { photoProject } from '../support/photoProject.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { openTeamDb, type TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { teamAnnotationStore } from '../../src/node/team/teamAnnotationStore.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import { teamWriteTransaction } from '../../src/node/team/teamTransaction.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);
const PG = pgMissing();
if (PG) console.warn(`team live end-to-end test skipped: ${PG}`);
const PASSWORD = 'a team member password';
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(PROJECT_ROOT, 'docs', 'screenshots')
  : mkdtempSync(path.join(tmpdir(), 'sp-team-live-shots-'));

let cluster: PgCluster, team: TeamDb, project: OpenProject;
let server: Awaited<ReturnType<typeof startTeamServer>>;
let aliceBrowser: BrowserServer, alice: Page, bobBrowser: Browser, bob: Page;
let ids: number[];
const errors: string[] = [];

/** A Chromium process of its own (so that it can be killed) and a page logged in as `name`. */
async function loggedIn(name: string, b: Browser): Promise<Page> {
  const page = await b.newPage({ viewport: { width: 1200, height: 760 } });
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.fill('#name', name);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => window.studio?.snapshot().current != null && !window.studio.snapshot().loading);
  return page;
}

interface Snap {
  message: string | null;
  viewport: { scale: number; offsetX: number; offsetY: number };
  current: { row: { id: number }; state: AnnotationState; revision: number } | null;
}
const snap = (page: Page) =>
  page.evaluate(() => {
    const s = window.studio!.snapshot();
    return JSON.parse(JSON.stringify({ ...s, current: s.current && { ...s.current, image: null, maps: null } }));
  }) as Promise<Snap>;
const joint = (s: AnnotationState, k: number) => s.persons.p.joints[k]!;
const stored = async () => (await teamAnnotationStore.load(team.pool, ids[0])).state;
const badge = (page: Page) =>
  page
    .locator('[data-testid=presence]')
    .textContent({ timeout: 500 })
    .catch(() => null);
/** Where joint k of the open image is on the page. */
async function jointOnPage(page: Page, k: number): Promise<[number, number]> {
  const s = await snap(page);
  const j = joint(s.current!.state, k);
  const box = (await page.locator('[data-testid=canvas]').boundingBox())!;
  return [box.x + j.x * s.viewport.scale + s.viewport.offsetX, box.y + j.y * s.viewport.scale + s.viewport.offsetY];
}

beforeAll(async () => {
  if (PG) return;
  ensureBuild(PROJECT_ROOT, () => undefined);
  cluster = await startPgCluster();
  team = await openTeamDb(await cluster.createDatabase('team_live_e2e'));
  project = await photoProject(3, 320, 240);
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  for (const name of ['alice', 'bob']) {
    await addTeamUser(team, name, 'annotator', PASSWORD);
    await assignImages(team, ids, name);
  }
  const add = addPerson(EMPTY_ANNOTATION, 'p');
  add.added.p.joints = add.added.p.joints.map((_, k) => ({ x: 40 + 14 * k, y: 30 + 10 * k, v: 2, source: 'human' }));
  await teamWriteTransaction(team.pool, 'the seed', (c) =>
    teamAnnotationStore.save(c, { imageId: ids[0], revision: 0, diff: add, label: 'seed', userId: null, now: 0 }),
  );
  server = await startTeamServer({
    team,
    imagesRoot: project.root,
    modelPath: BUNDLED_MODEL_PATH,
    boss: null,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  aliceBrowser = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  alice = await loggedIn('alice', await chromium.connect(aliceBrowser.wsEndpoint()));
  bobBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  bob = await loggedIn('bob', bobBrowser);
}, 120_000);
afterAll(async () => {
  await aliceBrowser?.close().catch(() => undefined);
  await bobBrowser?.close();
  await server?.close();
  await team?.close();
  await project?.close();
  cluster?.stop();
});

describe.skipIf(PG)('two people on one image of a team project', () => {
  it('each sees who else has the image open, in the editor and in the image list', async () => {
    expect((await snap(alice)).current!.row.id).toBe(ids[0]);
    expect((await snap(bob)).current!.row.id).toBe(ids[0]);
    await expect.poll(() => badge(bob), { timeout: 3000 }).toBe('● alice has this image open');
    await expect.poll(() => badge(alice), { timeout: 3000 }).toBe('● bob has this image open');
    expect(await bob.locator('.image-row').first().locator('[data-testid=row-presence]').textContent()).toBe('alice');
    await bob.screenshot({ path: path.join(SHOTS, 'team-presence.png') });
  });

  it('Alice moves a joint: Bob sees it live, and the joint he is dragging meanwhile stays his', async () => {
    const before = joint(await stored(), 0);
    // Bob presses on his joint 5 and starts to drag it (his edit is not saved: the gesture is open)
    const [bx, by] = await jointOnPage(bob, 5);
    await bob.mouse.move(bx, by);
    await bob.mouse.down();
    for (let i = 1; i <= 5; i++) {
      await bob.mouse.move(bx + 6 * i, by + 4 * i);
      await bob.waitForTimeout(16);
    }
    expect(await bob.evaluate(() => window.studio!.annotation.get()!.pending)).toBe(1); // the open gesture
    // Alice drags joint 0 with her mouse and lets go: saved
    const [ax, ay] = await jointOnPage(alice, 0);
    await alice.mouse.move(ax, ay);
    await alice.mouse.down();
    for (let i = 1; i <= 8; i++) {
      await alice.mouse.move(ax + 5 * i, ay + 5 * i);
      await alice.waitForTimeout(16);
    }
    const letGoAt = Date.now();
    await alice.mouse.up();
    // Bob's editor shows it while his own drag is still under way (within 2 s of Alice letting go), and says who
    await expect
      .poll(async () => joint((await snap(bob)).current!.state, 0).x, { timeout: 2000, interval: 20 })
      .not.toBe(before.x);
    const seenMs = Date.now() - letGoAt;
    const hers = joint(await stored(), 0);
    expect(joint((await snap(bob)).current!.state, 0)).toMatchObject({ x: hers.x, y: hers.y });
    expect((await snap(bob)).message).toMatch(/^alice changed this image/);
    await bob.screenshot({ path: path.join(SHOTS, 'team-live-edit.png') });
    // Bob lets go: his joint is where he dragged it, on screen and stored, and Alice's change is kept
    await bob.mouse.move(bx + 40, by + 30);
    await bob.mouse.up();
    const s = await snap(bob);
    const mine = joint(s.current!.state, 5);
    expect(mine.x).toBeCloseTo(40 + 14 * 5 + 40 / s.viewport.scale, 1); // where he let go, in image px
    await expect.poll(async () => joint(await stored(), 5), { timeout: 3000 }).toMatchObject({ x: mine.x, y: mine.y });
    expect(joint(await stored(), 0)).toMatchObject({ x: hers.x, y: hers.y });
    expect(joint((await snap(bob)).current!.state, 0)).toMatchObject({ x: hers.x, y: hers.y });
    // his own save is not taken for somebody else's change (the team answer carries the state it saved)
    await bob.waitForTimeout(300);
    expect((await snap(bob)).message).toBe('alice changed this image: its changes are shown and yours kept');
    // and Alice sees Bob's, named
    await expect
      .poll(async () => joint((await snap(alice)).current!.state, 5), { timeout: 2000, interval: 50 })
      .toMatchObject({ x: mine.x, y: mine.y });
    expect((await snap(alice)).message).toMatch(/^bob changed this image/);
    console.log(`team live edit: Bob saw Alice's joint ${seenMs} ms after she let go`);
  });

  it('the badge goes when Alice moves on, comes back with her, and goes when her browser is killed', async () => {
    await alice.evaluate(() => window.studio!.navigate('next'));
    await expect.poll(() => badge(bob), { timeout: 3000 }).toBe(null);
    await alice.evaluate(() => window.studio!.navigate('previous'));
    await expect.poll(() => badge(bob), { timeout: 3000 }).toBe('● alice has this image open');
    aliceBrowser.process().kill('SIGKILL');
    const killedAt = Date.now();
    await expect.poll(() => badge(bob), { timeout: 3000 }).toBe(null);
    console.log(`team presence: gone ${Date.now() - killedAt} ms after the browser was killed`);
    await bob.screenshot({ path: path.join(SHOTS, 'team-presence-gone.png') });
    expect(errors).toEqual([]);
    console.log(`screenshots in ${SHOTS}`);
  });
});
