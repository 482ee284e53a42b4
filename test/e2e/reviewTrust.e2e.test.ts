// "Nothing silently wrong in the ground truth", end to end in Chromium on real COCO photos with the bundled model's
// predictions: each case of issue 12 as a reviewer meets it, checked in the project through the API and in the
// exported files (on the code before the fix each of these wrote wrong ground truth without a word).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromiumMissing } from './launchBrowser.ts';
import { openReviewPage, type ReviewPage } from './reviewPage.ts';
import { validateCocoGt } from '../../src/core/coco/validateCoco.ts';
import { main } from '../../src/cli/main.ts';

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

let r: ReviewPage;
type Joint = { x: number; y: number; v: number } | null;
type Annotation = {
  state: { order: string[]; persons: Record<string, { joints: Joint[] }>; rejectedPredictions?: string[] };
};
const statuses = async () =>
  (await r.api<{ images: { status: string }[] }>('listImages', {})).images.map((x) => x.status);
const stored = (imageId: number) => r.api<Annotation>('getAnnotation', { imageId });
const key = (k: string) => r.page.keyboard.press(k);
/** The joint set to v = 0 in the V test. */
const hidden = { k: -1 };

beforeAll(async () => {
  // Every prediction shown (threshold −1000), so that each image has predictions to decide.
  r = await openReviewPage({
    detect: true,
    before: (p) => p.service.setReviewSettings?.({ personScoreThreshold: -1000 }) ?? Promise.resolve(),
  });
}, 240_000);
afterAll(async () => r?.close());

describe('nothing silently wrong in the ground truth', () => {
  it('viewing is not reviewing: paging through every image changes no status, the review queue keeps them all', async () => {
    for (const k of ['PageDown', 'PageDown', 'PageDown', 'PageUp', 'PageUp', 'PageUp']) {
      await key(k);
      await r.page.waitForTimeout(150);
    }
    await r.opened(0);
    expect(await statuses()).toEqual(['unreviewed', 'unreviewed', 'unreviewed', 'unreviewed']);
    const queue = await r.api<{ images: unknown[] }>('reviewQueue', { by: 'uncertainty' });
    expect(queue.images).toHaveLength(4);
  });

  it('Enter on an image with predictions asks (Esc: nothing changed); accepting them too keeps every one', async () => {
    const s = await r.snap();
    const imageId = s.current!.row.id;
    const predicted = ((await r.api<{ poses: unknown[] }>('getPredictions', { imageId })).poses as unknown[]).length;
    expect(predicted).toBeGreaterThan(0);
    await key('Enter');
    await r.page.getByRole('alertdialog', { name: 'Undecided predictions' }).waitFor();
    await r.page.waitForTimeout(200);
    expect((await statuses())[0]).toBe('unreviewed');
    expect((await stored(imageId)).state.order).toEqual([]);
    await key('Escape');
    expect(await r.page.getByRole('alertdialog').count()).toBe(0);
    await key('Enter');
    await r.page.getByRole('button', { name: /Accept them too/ }).click();
    await r.opened(1);
    expect((await statuses())[0]).toBe('accepted');
    expect((await stored(imageId)).state.order).toHaveLength(predicted);
  });

  it('… or dropping them: rejected (kept as decisions), the image "no person"', async () => {
    const imageId = (await r.snap()).current!.row.id;
    const predicted = ((await r.api<{ poses: unknown[] }>('getPredictions', { imageId })).poses as unknown[]).length;
    await key('Enter');
    await key('d');
    await r.opened(2);
    expect((await statuses())[1]).toBe('no_person');
    expect((await stored(imageId)).state.rejectedPredictions).toHaveLength(predicted);
  });

  it('P then Esc, or P then another image: the person with no joint is removed, never stored or exported', async () => {
    const imageId = (await r.snap()).current!.row.id;
    await key('p');
    await key('Escape');
    await expect.poll(async () => (await stored(imageId)).state.order).toEqual([]);
    await key('p');
    await r.page.locator('.image-row').nth(3).click();
    await r.opened(3);
    await expect.poll(async () => (await stored(imageId)).state.order).toEqual([]);
    await r.page.locator('.image-row').nth(2).click();
    await r.opened(2);
  });

  it('V cycles 2 → 1 → 0 → 2 and keeps the position at 0 (stored with it, so V brings it back)', async () => {
    const imageId = (await r.snap()).current!.row.id;
    await key('n');
    await key('y'); // accept the best predicted person
    await expect.poll(async () => (await stored(imageId)).state.order.length).toBe(1);
    const pid = (await stored(imageId)).state.order[0];
    const k = (await stored(imageId)).state.persons[pid].joints.findIndex((j) => j !== null);
    const at = (await stored(imageId)).state.persons[pid].joints[k]!;
    await r.page.locator('[data-testid=persons] li').first().click();
    await r.page.locator('[data-testid=joints] tbody tr').nth(k).click();
    const joint = async () => (await stored(imageId)).state.persons[pid].joints[k];
    await key('v');
    await expect.poll(joint).toMatchObject({ v: 1, x: at.x, y: at.y });
    await key('v');
    await expect.poll(joint).toMatchObject({ v: 0, x: at.x, y: at.y });
    await key('v');
    await expect.poll(joint).toMatchObject({ v: 2, x: at.x, y: at.y });
    await key('v');
    await key('v');
    await expect.poll(joint).toMatchObject({ v: 0 });
    hidden.k = k;
    await key('Escape');
    await key('Enter'); // the other predictions are pending: drop them
    await key('d');
    await r.opened(3);
    expect((await statuses())[2]).toBe('accepted');
  });

  it('the app and `simplepose export` export the same by default: the established ground truth only', async () => {
    await r.page.getByRole('button', { name: 'Export COCO…' }).click();
    const ui = path.join(r.folder, 'ui-export.json');
    await expect.poll(() => r.page.getByLabel('Export file').inputValue()).toMatch(/coco-keypoints\.json$/);
    await r.page.getByLabel('Export file').fill(ui);
    await r.page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => r.page.locator('[data-testid=export-result]').textContent()).toMatch(/^Wrote 3 images/);
    await key('Escape');
    const cli = path.join(r.folder, 'cli-export.json');
    const out: string[] = [];
    expect(
      await main(['export', '--project', r.project.db.name, '--out', cli], {
        out: (l) => out.push(l),
        err: () => undefined,
      }),
    ).toBe(0);
    const a = JSON.parse(readFileSync(ui, 'utf8')),
      b = JSON.parse(readFileSync(cli, 'utf8'));
    expect(a).toEqual(b);
    // The image only viewed (and predicted) is not ground truth; every exported person has a labelled joint.
    expect(a.images.map((i: { file_name: string }) => i.file_name)).not.toContain('photos/000000350679.jpg');
    expect(a.annotations.every((x: { num_keypoints: number }) => x.num_keypoints > 0)).toBe(true);
    expect(validateCocoGt(a).filter((v) => v.severity === 'error')).toEqual([]);
    // The joint at v = 0 is written 0, 0, 0 (COCO), its position kept only in the project.
    const im = a.images.find((i: { file_name: string }) => i.file_name === 'photos/000000217285.jpg');
    const [one] = a.annotations.filter((x: { image_id: number }) => x.image_id === im.id);
    expect(one.keypoints.slice(3 * hidden.k, 3 * hidden.k + 3)).toEqual([0, 0, 0]);
    expect(one.num_keypoints).toBe(one.keypoints.filter((v: number, i: number) => i % 3 === 2 && v > 0).length);
    expect(r.errors).toEqual([]);
  });
});
