// The review app opens a team project by URL + login (issue 17, web mode first): in Debian's Chromium against the
// team server on a real PostgreSQL, a stranger is sent to the login page, a wrong password is refused on the page,
// and an annotator who logs in gets the app on exactly the images assigned to them, with their edits saved to the
// team database under their name. The images are detected by a team worker first (the bundled model, its maps
// stored in the team database), so the heatmap overlay shows a channel of the network over a real COCO photo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import sharp from 'sharp';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { pgMissing, startPgCluster, type PgCluster } from '../../scripts/pgCluster.ts';
import { photoProject } from '../support/photoProject.ts';
import { COCO_TRAIN_IMAGES, PROJECT_ROOT } from '../support/fixturePaths.ts';
import { syncImages } from '../../src/node/project/syncImages.ts';
import { DEFAULT_DETECT_SETTINGS } from '../../src/node/jobs/detectSettings.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../../src/node/team/detectQueue.ts';
import { startTeamDetection } from '../../src/node/team/teamDetection.ts';
import { teamPoseApi } from '../../src/node/team/teamPoseApi.ts';
import type { TeamUser } from '../../src/node/team/teamUserRepository.ts';
import { CHANNELS } from '../../src/core/skeleton/poseMeta.ts';
import { runTeamWorker } from '../../src/node/team/teamWorker.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { openTeamDb, type TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT } from '../../src/core/edit/poseRecords.ts';
import { validateCocoGt } from '../../src/core/coco/validateCoco.ts';
import { dragAtHandPace } from './dragPointer.ts';
import { type RunSeed, seedTeamRun } from '../team/storeSeeds.ts';

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);
const PG = pgMissing();
if (PG) console.warn(`team end-to-end test skipped: ${PG}`);
const PASSWORD = 'annotator password';
/** Screenshots of this run (looked at by whoever runs it; docs/screenshots with UPDATE_SCREENSHOTS). */
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(PROJECT_ROOT, 'docs', 'screenshots')
  : mkdtempSync(path.join(tmpdir(), 'sp-team-shots-'));

let cluster: PgCluster, team: TeamDb, project: OpenProject, browser: Browser, page: Page;
let server: Awaited<ReturnType<typeof startTeamServer>>;
let ids: number[];
let ann: TeamUser;
const errors: string[] = [];

beforeAll(async () => {
  if (PG) return;
  ensureBuild(PROJECT_ROOT, () => undefined);
  cluster = await startPgCluster();
  team = await openTeamDb(await cluster.createDatabase('team_e2e'));
  project = await photoProject(5, 160, 120);
  // the annotator's first image a real photo of people (the project's own scan takes the new content)
  await sharp(path.join(COCO_TRAIN_IMAGES, '000000030752.jpg'))
    .resize(320)
    .png()
    .toFile(path.join(project.root, 'photos', 'img001.png'));
  await syncImages(project.db, project.root);
  await pushProject(project.db, team, 'photos');
  await detectOnTeam(team, project.root);
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  ann = await addTeamUser(team, 'ann', 'annotator', PASSWORD);
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
/** A detection run of every image with the bundled model, done by one `simplepose worker` loop in this process. */
async function detectOnTeam(team: TeamDb, root: string) {
  const timings = { ...DEFAULT_QUEUE_TIMINGS, pollSeconds: 1 };
  const boss = await startBoss(team.url, timings);
  try {
    await startTeamDetection(team, boss, {
      modelPath: BUNDLED_MODEL_PATH,
      settings: DEFAULT_DETECT_SETTINGS,
      batchSize: 8,
      timings,
    });
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
  const r = await runTeamWorker({ url: team.url, root, name: 'e2e', timings, exitWhenIdle: true });
  if (r.stored !== 5 || r.failed) throw new Error(`team detection: ${JSON.stringify(r)}`);
}

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

  it('shows the heatmap overlay of a channel over the photo, from the maps the team worker stored', async () => {
    const pred = await teamPoseApi(team, ann, {
      imagesRoot: project.root,
      modelPath: BUNDLED_MODEL_PATH,
      boss: null,
    }).getPredictions({ imageId: ids[1] });
    expect(pred.maps).not.toBeNull();
    await expect
      .poll(() => page.evaluate(() => window.studio!.snapshot().current?.maps?.w ?? null))
      .toBe(pred.maps!.shape[2]);
    await page.getByLabel('Show overlay').check();
    /** The overlay layer's painted pixels after choosing `channel`: their count and a checksum. */
    const overlayAt = async (channel: number) => {
      await page.getByLabel('Heatmap channel').selectOption(String(channel));
      await expect.poll(() => page.evaluate(() => window.studio!.snapshot().heatmap.channel)).toBe(channel);
      await page.waitForTimeout(200);
      return page.evaluate(() => {
        const layer = document.querySelectorAll('.konvajs-content canvas')[1] as HTMLCanvasElement;
        const data = layer.getContext('2d')!.getImageData(0, 0, layer.width, layer.height).data;
        let painted = 0,
          sum = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 0) painted++;
          sum = (sum * 31 + data[i] + data[i + 1] * 7 + data[i + 2] * 13) % 1_000_000_007;
        }
        return { painted, sum, pixels: layer.width * layer.height };
      });
    };
    const joints = await overlayAt(CHANNELS.keypointMax); // the max over the joint heatmaps
    expect(joints.painted).toBeGreaterThan(joints.pixels / 20);
    await page.screenshot({ path: path.join(SHOTS, 'team-heatmap.png') });
    const mask = await overlayAt(CHANNELS.personMask);
    expect(mask.painted).toBeGreaterThan(mask.pixels / 20);
    expect(mask.sum).not.toBe(joints.sum);
    expect(errors).toEqual([]);
    await page.getByLabel('Show overlay').uncheck();
  });

  it('exports COCO and shows the evaluation of a run for a reviewer, the same numbers as the API', async () => {
    // the review done and a run stored through the team's own services (as workers and reviewers store them)
    const admin = teamPoseApi(team, await addTeamUser(team, 'boss', 'admin', 'the admin password'), {
      imagesRoot: project.root,
      modelPath: BUNDLED_MODEL_PATH,
      boss: null,
    });
    const joints = (dx: number) =>
      Array.from({ length: JOINT_COUNT }, (_, k) => ({ x: 20 + 6 * k + dx, y: 10 + 5 * k, v: 2 as const }));
    const seed: RunSeed = {};
    for (const [i, dx] of [0, 3, 8].entries()) {
      const diff = addPerson(
        EMPTY_ANNOTATION,
        'p',
        joints(0).map((j) => ({ ...j, source: 'human' as const })),
      );
      await admin.saveEdits({ imageId: ids[i], revision: 0, steps: [{ kind: 'do', diff, label: 'add' }] });
      await admin.setStatus({ imageId: ids[i], status: 'accepted' });
      seed[`photos/img00${i}.png`] = [
        { score: 0.9, joints: joints(dx).map((j) => ({ x: j.x, y: j.y, score: 0.8 })), neck: null },
      ];
    }
    await seedTeamRun(team, seed);
    await addTeamUser(team, 'rev', 'reviewer', PASSWORD);
    const context = await browser.newContext({ viewport: { width: 1300, height: 800 } });
    const rev = await context.newPage();
    rev.on('pageerror', (e) => errors.push(e.message));
    await rev.goto(`http://127.0.0.1:${server.port}/`);
    await rev.fill('#name', 'rev');
    await rev.fill('#password', PASSWORD);
    await rev.click('button[type=submit]');
    await rev.waitForFunction(() => window.studio?.snapshot().current != null && !window.studio.snapshot().loading);

    await rev.getByRole('button', { name: 'Export COCO…' }).click();
    const out = path.join(project.root, 'team-export.json');
    await rev.getByLabel('Export file').fill(out);
    await rev.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => rev.locator('[data-testid=export-result]').textContent()).toContain('Wrote 3 images');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(validateCocoGt(json)).toEqual([]);
    expect(json.annotations).toHaveLength(3);
    await rev.screenshot({ path: path.join(SHOTS, 'team-export.png') });
    // outside the server's exchange folder: refused in the dialog, nothing written
    const elsewhere = path.join(mkdtempSync(path.join(tmpdir(), 'sp-team-out-')), 'x.json');
    await rev.getByLabel('Export file').fill(elsewhere);
    await rev.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => rev.locator('[data-testid=export-result]').textContent()).toMatch(/outside|only/);
    expect(existsSync(elsewhere)).toBe(false);
    await rev.keyboard.press('Escape');

    await rev.getByRole('button', { name: 'Evaluate' }).click();
    const dialog = rev.getByRole('dialog', { name: 'Evaluation' });
    await dialog.locator('[data-testid=eval-stats]').waitFor();
    const api = await admin.evaluate({});
    expect(api.overall.AP).toBeGreaterThan(0);
    for (const k of ['AP', 'AP50', 'AP75', 'APm', 'APl', 'AR'] as const)
      expect(await dialog.locator(`[data-stat=${k}]`).textContent()).toBe(
        api.overall[k] < 0 ? 'n/a' : api.overall[k].toFixed(3),
      );
    expect(await dialog.locator('[data-testid=per-image] tbody tr').count()).toBe(3);
    await rev.screenshot({ path: path.join(SHOTS, 'team-evaluation.png') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('undoes after a reload: Ctrl+Z restores the joint the annotator dragged, Ctrl+Shift+Z drags it again', async () => {
    type View = { scale: number; offsetX: number; offsetY: number };
    const snap = () =>
      page.evaluate(() => {
        const s = window.studio!.snapshot();
        return JSON.parse(
          JSON.stringify({ viewport: s.viewport, selection: s.selection, id: s.current!.row.id, row: s.current!.row }),
        ) as {
          viewport: View;
          selection: { personId: string | null };
          id: number;
          row: { width: number; height: number };
        };
      });
    const loaded = () =>
      page.waitForFunction(() => window.studio?.snapshot().current != null && !window.studio.snapshot().loading);
    const toScreen = (v: View, x: number, y: number) => [x * v.scale + v.offsetX, y * v.scale + v.offsetY];
    const box = async () => (await page.locator('[data-testid=canvas]').boundingBox())!;
    await page.reload();
    await loaded();
    let s = await snap();
    const imageId = s.id;
    const stored = async (pid: string) => {
      const r = await team.pool.query('SELECT persons_json FROM team_annotations WHERE image_id = $1', [imageId]);
      return JSON.parse(r.rows[0].persons_json).persons[pid]?.joints[0] as { x: number; y: number } | null;
    };
    await page.keyboard.press('p'); // a new person, placing its first joint
    s = await snap();
    const pid = s.selection.personId!;
    const b = await box();
    const [nx, ny] = toScreen(s.viewport, s.row.width * 0.6, s.row.height * 0.6);
    await page.mouse.click(b.x + nx, b.y + ny);
    await expect.poll(() => stored(pid)).not.toBeNull();
    await page.keyboard.press('Escape');
    const placed = (await stored(pid))!;
    s = await snap();
    const [jx, jy] = toScreen(s.viewport, placed.x, placed.y);
    await dragAtHandPace(page, b.x + jx, b.y + jy, 50, 30);
    const movedX = placed.x + 50 / s.viewport.scale;
    await expect.poll(async () => (await stored(pid))?.x, { timeout: 5000 }).toBeCloseTo(movedX, 0);

    await page.reload(); // the history is the team database's: it survives the reload
    await loaded();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await stored(pid))?.x).toBeCloseTo(placed.x, 3);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(async () => (await stored(pid))?.x).toBeCloseTo(movedX, 0);
    const steps = await team.pool.query(
      `SELECT e.step_kind FROM team_edits e JOIN team_users u ON u.id = e.user_id
       WHERE e.image_id = $1 AND u.name = 'ann' ORDER BY e.revision DESC LIMIT 2`,
      [imageId],
    );
    expect(steps.rows.map((r) => r.step_kind)).toEqual(['redo', 'undo']);
    expect(errors).toEqual([]);
  });
});

describe.skipIf(PG)('detection from the app on a team project', () => {
  it('an admin saves other settings in Settings: Run detection (5) queues them, a worker runs them, up to date', async () => {
    const timings = { ...DEFAULT_QUEUE_TIMINGS, pollSeconds: 1 };
    const boss = await startBoss(team.url, timings);
    const queued = await startTeamServer({
      team,
      imagesRoot: project.root,
      modelPath: BUNDLED_MODEL_PATH,
      boss,
      staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
    });
    const context = await browser.newContext({ viewport: { width: 1300, height: 800 } });
    try {
      await addTeamUser(team, 'lead', 'admin', PASSWORD);
      const lead = await context.newPage();
      lead.on('pageerror', (e) => errors.push(e.message));
      await lead.goto(`http://127.0.0.1:${queued.port}/`);
      await lead.fill('#name', 'lead');
      await lead.fill('#password', PASSWORD);
      await lead.click('button[type=submit]');
      await lead.waitForFunction(() => window.studio?.snapshot().setup != null);
      const button = lead.locator('[data-testid=run-detection]');
      // every image was detected with the default settings before the server started
      await expect.poll(() => button.textContent()).toBe('Detection up to date');
      await lead.getByRole('button', { name: 'Settings', exact: true }).click();
      await lead.getByLabel('Scales').fill('0.5');
      await lead.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => button.textContent()).toBe('Run detection (5)');
      const runsBefore = (await team.pool.query('SELECT COUNT(*)::int AS n FROM team_runs')).rows[0].n;
      await button.click();
      // queued by the server (the click returns before): then one worker loop runs the queue
      await expect
        .poll(async () => (await team.pool.query('SELECT COUNT(*)::int AS n FROM team_runs')).rows[0].n)
        .toBe(runsBefore + 1);
      const run = await runTeamWorker({ url: team.url, root: project.root, name: 'e2e', timings, exitWhenIdle: true });
      expect(run).toMatchObject({ stored: 5, failed: 0 });
      await expect
        .poll(async () => lead.locator('[data-testid=job]').getAttribute('data-status'), { timeout: 30_000 })
        .toBe('done');
      await expect.poll(() => button.textContent()).toBe('Detection up to date');
      const runs = await team.pool.query('SELECT settings_json FROM team_runs ORDER BY id DESC LIMIT 1');
      expect(JSON.parse(runs.rows[0].settings_json)).toMatchObject({ scales: [0.5] });
      await lead.screenshot({ path: path.join(SHOTS, 'team-detection.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await queued.close();
      await boss.stop({ graceful: false, wait: true });
    }
  });
});
