// The heatmap-assisted corrections end to end in Chromium, with the mouse and keyboard: snap to peak (Shift-drag,
// the target drawn before release), second guesses (keys 1…k), L/R-swap and label-error flags (L, S, the side-by-
// side view), regroup (Shift+G, Enter), move / merge / split; on real COCO photos: two with the decode fixture
// cases' maps (known peaks: coco-mini train 37666 and the crowded 129648) and the crowded val2017 217285 with the
// bundled model's own predictions and maps (detected in the test), where the latencies are measured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromiumMissing } from './launchBrowser.ts';
import { dragAtHandPace } from './dragPointer.ts';
import { openReviewPage, PHOTOS, type ReviewPage } from './reviewPage.ts';
import { addFixtureCases } from '../support/fixtureMapsProject.ts';
import { regroupTimes, snapTimes, touchEveryPerson } from './correctionsTimings.ts';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

type Joint = { x: number; y: number; v: number; source: string } | null;
type Annotation = {
  state: { order: string[]; persons: Record<string, { joints: Joint[] }> };
  history: { entries: { label: string }[]; cursor: number };
};
let r: ReviewPage;
let ids: Record<string, number> = {};
const LEFT_WRIST = 9;
const stored = (name: string) => r.api<Annotation>('getAnnotation', { imageId: ids[name] });
const key = (k: string) => r.page.keyboard.press(k);
const corrections = () => r.page.evaluate(() => JSON.parse(JSON.stringify(window.studio!.snapshot().corrections)));
const idle = () => r.page.evaluate(() => window.studio!.edits.idle());

async function open(name: string) {
  const i = (await r.api<{ images: { id: number; relPath: string }[] }>('listImages', {})).images.findIndex((x) =>
    x.relPath.endsWith(name),
  );
  await r.page.locator('.image-row').nth(i).click();
  await r.opened(i);
}
/** Accepts the image's predictions (A) and returns a person with the joint, and the joint. */
async function acceptedPerson(name: string, k: number) {
  await key('a');
  await idle();
  const a = await stored(name);
  const id = a.state.order.find(
    (i) => a.state.persons[i].joints[k] && a.state.persons[i].joints.filter(Boolean).length >= 8,
  )!;
  return { id, j: a.state.persons[id].joints[k]! };
}

beforeAll(async () => {
  // The fixture photos join after the detection: a bundled-model prediction of them would be what the app shows
  // (the run of the project's model and settings comes first), with that model's maps instead of the fixture's.
  r = await openReviewPage({
    photos: [PHOTOS[0]],
    detect: true,
    before: (project) => addFixtureCases(project, ['37666', '129648']),
  });
  const rows = await r.api<{ images: { id: number; relPath: string }[] }>('listImages', {});
  ids = Object.fromEntries(rows.images.map((x) => [path.basename(x.relPath), x.id]));
}, 300_000);
afterAll(async () => r?.close());

describe('corrections in the review app', () => {
  it('Shift-drag: the snap target is drawn before release and the joint lands on the refined peak (one undo step)', async () => {
    await open('000000037666.jpg');
    const { id, j } = await acceptedPerson('000000037666.jpg', LEFT_WRIST);
    const [x, y] = await r.toPage(j.x, j.y);
    const [tx, ty] = await r.toPage(j.x + 6, j.y - 5);
    await r.page.keyboard.down('Shift');
    await r.page.mouse.move(x, y);
    await r.page.mouse.down();
    for (let i = 1; i <= 8; i++) await r.page.mouse.move(x + ((tx - x) * i) / 8, y + ((ty - y) * i) / 8);
    const shown = (await corrections()).snap;
    expect(shown).not.toBeNull();
    expect(Math.hypot(shown.x - j.x, shown.y - j.y)).toBeLessThan(0.5);
    await r.shot('corrections-snap.png');
    await r.page.mouse.up();
    await r.page.keyboard.up('Shift');
    await idle();
    const a = await stored('000000037666.jpg');
    expect(a.state.persons[id].joints[LEFT_WRIST]).toMatchObject({ x: shown.x, y: shown.y, source: 'edited' });
    expect(a.history.entries.at(-1)!.label).toBe('Move joint');
  });

  it('second guesses: the selected joint shows numbered candidates, 2 moves it to the second one', async () => {
    await open('000000129648.jpg');
    await key('a');
    await idle();
    const a = await stored('000000129648.jpg');
    const picked = await r.page.evaluate(
      ({ order, k }) => {
        const e = window.studio!;
        for (const id of order) {
          e.select({ personId: id, joint: k });
          if ((e.corrections.fix.candidates.get()?.peaks.length ?? 0) >= 2) return id;
        }
        return null;
      },
      { order: a.state.order, k: LEFT_WRIST },
    );
    expect(picked).not.toBeNull();
    const c = (await corrections()).candidates;
    await r.shot('corrections-candidates.png');
    await key('2');
    await idle();
    const after = await stored('000000129648.jpg');
    expect(after.state.persons[picked!].joints[LEFT_WRIST]).toMatchObject({ x: c.peaks[1].x, y: c.peaks[1].y });
  });

  it('flags: a swapped person gets a badge and a queue entry, L selects it, S fixes it; a 15-px label error opens predicted vs target', async () => {
    await open('000000037666.jpg');
    const a = await stored('000000037666.jpg');
    const id = a.state.order.find((i) => a.state.persons[i].joints.filter(Boolean).length >= 8)!;
    await r.page.evaluate((pid) => window.studio!.select({ personId: pid, joint: null }), id);
    await key('s');
    await idle();
    await expect
      .poll(async () => (await corrections()).flags?.items.some((f: { kind: string }) => f.kind === 'swap'))
      .toBe(true);
    await expect.poll(() => r.page.locator('[data-testid=flags] li').count()).toBeGreaterThan(0);
    await key('Escape');
    await key('l');
    expect((await r.snap()).selection.personId).toBe(id);
    await r.shot('corrections-flags.png');
    await key('s');
    await idle();
    await expect
      .poll(async () => (await corrections()).flags?.items.some((f: { kind: string }) => f.kind === 'swap'))
      .toBe(false);
    // A wrist dragged 15 px off: flagged, and L opens the side-by-side view of its channel.
    const j = (await stored('000000037666.jpg')).state.persons[id].joints[LEFT_WRIST]!;
    const [x, y] = await r.toPage(j.x, j.y);
    const [tx] = await r.toPage(j.x + 15, j.y);
    await dragAtHandPace(r.page, x, y, tx - x, 0);
    await idle();
    await expect
      .poll(async () =>
        (await corrections()).flags?.items.some(
          (f: { kind: string; personId: string; joint: number }) =>
            f.kind === 'label' && f.personId === id && f.joint === LEFT_WRIST,
        ),
      )
      .toBe(true);
    for (let i = 0; i < 40 && (await corrections()).compare?.joint !== LEFT_WRIST; i++) await key('l');
    expect((await corrections()).compare).toEqual({ personId: id, joint: LEFT_WRIST });
    const painted = await r.page.evaluate(() =>
      ['predicted', 'target'].map((n) => {
        const c = document.querySelector(`[data-testid=compare-${n}]`) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let hot = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 200) hot++;
        return hot;
      }),
    );
    expect(painted[0]).toBeGreaterThan(0);
    expect(painted[1]).toBeGreaterThan(0);
    await r.page.locator('[data-testid=label-compare]').scrollIntoViewIfNeeded();
    await r.shot('corrections-label-compare.png');
  });

  it('regroup: Shift+G shows a proposal, Enter applies it as one undo step', async () => {
    await open('000000037666.jpg');
    const a = await stored('000000037666.jpg');
    const id = a.state.order.find((i) => a.state.persons[i].joints.filter(Boolean).length >= 8)!;
    await r.page.evaluate((pid) => window.studio!.select({ personId: pid, joint: 7 }), id);
    await key('Delete');
    await idle();
    await key('Shift+G');
    await expect.poll(() => r.page.locator('[data-testid=regroup-proposal]').count()).toBe(1);
    await r.shot('corrections-regroup.png');
    const entries = (await stored('000000037666.jpg')).history.entries.length;
    await key('Enter');
    await idle();
    const after = await stored('000000037666.jpg');
    expect(after.history.entries.length).toBe(entries + 1);
    expect(after.history.entries.at(-1)!.label).toBe('Regroup');
    expect(after.state.persons[id].joints[7]).not.toBeNull();
  });

  it('move (arrows, Ctrl-drag), split (T, Enter) and merge (U, click): each one undo step', async () => {
    await open('000000037666.jpg');
    const a = await stored('000000037666.jpg');
    const id = a.state.order.find((i) => a.state.persons[i].joints.filter(Boolean).length >= 8)!;
    const before = a.state.persons[id].joints;
    await r.page.evaluate((pid) => window.studio!.select({ personId: pid, joint: null }), id);
    await key('ArrowRight');
    await idle();
    const j0 = before.findIndex(Boolean);
    expect((await stored('000000037666.jpg')).state.persons[id].joints[j0]!.x).toBeCloseTo(before[j0]!.x + 1, 6);
    const w = (await stored('000000037666.jpg')).state.persons[id].joints[LEFT_WRIST]!;
    const [x, y] = await r.toPage(w.x, w.y);
    await r.page.keyboard.down('Control');
    await dragAtHandPace(r.page, x, y, 30, 0);
    await r.page.keyboard.up('Control');
    await idle();
    const moved = (await stored('000000037666.jpg')).state.persons[id].joints;
    const dx = moved[j0]!.x - before[j0]!.x - 1;
    expect(dx).toBeGreaterThan(5);
    expect(moved[LEFT_WRIST]!.x - w.x).toBeCloseTo(dx, 6);
    await r.page.evaluate((pid) => window.studio!.select({ personId: pid, joint: 9 }), id);
    await key('t');
    await key('Enter');
    await idle();
    const split = (await stored('000000037666.jpg')).state;
    const newId = split.order.find((i) => !a.state.persons[i])!;
    expect(split.persons[newId].joints.flatMap((j, k) => (j ? [k] : []))).toEqual([LEFT_WRIST]);
    await r.page.evaluate((pid) => window.studio!.select({ personId: pid, joint: null }), id);
    await key('u');
    const nw = split.persons[newId].joints[LEFT_WRIST]!;
    const [nx, ny] = await r.toPage(nw.x, nw.y);
    await r.page.mouse.click(nx, ny);
    await idle();
    const merged = (await stored('000000037666.jpg')).state;
    expect(merged.persons[newId]).toBeUndefined();
    expect(merged.persons[id].joints[LEFT_WRIST]).toMatchObject({ x: nw.x, y: nw.y });
    expect((await stored('000000037666.jpg')).history.entries.slice(-4).map((e) => e.label)).toEqual([
      'Move person',
      'Move person',
      'Split person',
      'Merge persons',
    ]);
  });

  it('latency in Chromium: snap preview < 16 ms per pointer move, regroup of a crowded photo < 100 ms (in a worker)', async () => {
    const out: Record<string, unknown> = {};
    for (const name of ['000000129648.jpg', path.basename(PHOTOS[0])]) {
      await open(name);
      await key('a');
      await idle();
      const m = await snapTimes(r.page);
      // One joint of every person touched (held), then Shift+G.
      await touchEveryPerson(r.page);
      const times = await regroupTimes(r.page, 5);
      const regroup = { persons: times.persons, median: median(times.ms) };
      out[name] = { snap: m, regroup };
      console.log('corrections latency in Chromium', name, JSON.stringify(out[name]));
      expect(m.median).toBeLessThan(16);
      // Both crowded photos, the bundled model's noisy maps too (the decoder's bound of 32 candidates per type; the
      // image's regroup prepared in the worker when it opened): Shift+G → proposal shown.
      expect(regroup.median).toBeLessThan(100);
    }
    // The regroup runs in a Web Worker: the page's thread never waits for it.
    expect(r.page.workers().length).toBe(1);
    expect(r.errors).toEqual([]);
  }, 240_000);
});
