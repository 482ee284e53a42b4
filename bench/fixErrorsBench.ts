// npm run bench:fix-errors — what the heatmap corrections save a reviewer, in the review app in Chromium (web mode,
// Debian's Chromium headless), on real COCO photos: the 12 decode fixture cases' photos (coco-mini train) with their
// maps (a simulated network over the ground truth, clear peaks: what a model that works on the data gives) and the
// decoder's persons accepted (A) as the true annotation. One error at a time is seeded on one person (fixErrors/
// seedErrors.ts: L/R swapped, a wrist on the wrong person, a joint 15 px off, a wrist missing) and fixed by a scripted
// reviewer (fixErrors/reviewer.ts) with the corrections and, as the baseline in the same page, without them (snap
// off, no candidates), the two in turns. Per error kind: input events, keystroke-level-model seconds and the page's
// own wall time per fix, the ratio without / with, and whether the person is back (every joint within 1 px).
// Then the corrections' latencies in the same browser (fixErrors/latency.ts).
// Usage: npm run bench:fix-errors [-- --seed 1] [--reps 5 (latency: fresh pages per photo)] [--only-latency] [--verbose: each trial]
import path from 'node:path';
import { openReviewPage, PHOTOS, type ReviewPage } from '../test/e2e/reviewPage.ts';
import { addFixtureCases } from '../test/support/fixtureMapsProject.ts';
import type { AnnotationState } from '../src/core/edit/poseRecords.ts';
import { seededRandom } from '../src/core/synth/seededRandom.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { ERROR_KINDS, residualPx, seedError, update, type ErrorKind } from './fixErrors/seedErrors.ts';
import { KLM_SECONDS, klmSeconds, Reviewer, type FixCount } from './fixErrors/reviewer.ts';
import { correctionLatency } from './fixErrors/latency.ts';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SEED = arg('seed', 1);
const REPS = arg('reps', 5);
const onlyLatency = process.argv.includes('--only-latency');
const verbose = process.argv.includes('--verbose');
/** Every decode fixture case (../shared/fixtures/decode/index.json). */
const CASES = [
  '535506',
  '466137',
  '463557',
  '433998',
  '37666',
  '129648',
  '214704',
  '227000',
  '322517',
  '488571',
  '790',
  '84533',
];

interface Trial {
  kind: ErrorKind;
  with: boolean;
  count: FixCount;
  wallMs: number;
  residualPx: number;
  /** Fixed: every joint within this of the true one — 1 px, or one screen pixel where a pixel is more (a click). */
  tolPx: number;
  collateral: boolean;
  /** Persons in the image (without flags a reviewer looks at them in turn to find the error). */
  persons: number;
}
const fixed = (t: Trial) => t.residualPx <= t.tolPx && !t.collateral;
/** Without flags, finding the error: the persons looked at (one M each) until it, on average (n + 1) / 2. */
const findingSeconds = (t: Trial) => (t.with ? 0 : (KLM_SECONDS.M * (t.persons + 1)) / 2);

console.log(`machine: ${machineLine()}; Chromium headless; seed ${SEED}`);
const r = await openReviewPage({
  photos: [PHOTOS[0]],
  detect: true,
  before: (project) => addFixtureCases(project, CASES),
});
const annotation = async (imageId: number) =>
  (await r.api<{ state: AnnotationState }>('getAnnotation', { imageId })).state;
const trials: Trial[] = [];
try {
  const rng = seededRandom(SEED);
  const rows = (await r.api<{ images: { id: number; relPath: string }[] }>('listImages', {})).images;
  for (const caseId of onlyLatency ? [] : CASES) {
    const i = rows.findIndex((x) => path.basename(x.relPath) === `${caseId.padStart(12, '0')}.jpg`);
    await openImage(r, i);
    await r.page.keyboard.press('a');
    await idle(r);
    const truth = await annotation(rows[i].id);
    const tolPx = Math.max(1, 1 / (await r.snap()).viewport.scale);
    let turn = 0;
    for (const kind of ERROR_KINDS) {
      const err = seedError(truth, kind, rng);
      if (!err) continue;
      // in turns, the first condition alternating: the host's drift falls on both
      for (const withCorrections of turn++ % 2 ? [false, true] : [true, false]) {
        await setPrefs(r, withCorrections);
        await commit(r, err.diff, 'seed an error');
        const others = truth.order.filter((id) => id !== err.personId).map((id) => truth.persons[id]);
        const reviewer = new Reviewer(r, others);
        const t0 = performance.now();
        await reviewer.fix(err, withCorrections);
        await idle(r);
        const wallMs = performance.now() - t0;
        const now = await annotation(rows[i].id);
        const collateral = others.some((o) => residualPx(now.persons[o.id], o) > 1e-6);
        trials.push({
          kind,
          with: withCorrections,
          count: reviewer.count,
          wallMs,
          residualPx: residualPx(now.persons[err.personId], err.truth),
          tolPx,
          collateral,
          persons: truth.order.length,
        });
        if (verbose)
          console.log(JSON.stringify({ caseId, ...trials.at(-1), joint: err.joint, personId: err.personId }));
        await r.page.keyboard.press('Escape');
        await restore(r, truth, now);
      }
    }
  }
  if (!onlyLatency) report(trials);
  await setPrefs(r, true);
  for (const line of await correctionLatency(r, REPS)) console.log(line);
} finally {
  await r.close();
}

async function openImage(p: ReviewPage, i: number): Promise<void> {
  await p.page.locator('.image-row').nth(i).click();
  await p.opened(i);
}
function idle(p: ReviewPage): Promise<void> {
  return p.page.evaluate(() => window.studio!.edits.idle());
}
function setPrefs(p: ReviewPage, on: boolean): Promise<void> {
  return p.page.evaluate(
    (c) => window.studio!.view.setCorrections(c ? { snap: 'Shift', topK: 3 } : { snap: 'off', topK: 0 }),
    on,
  );
}
async function commit(p: ReviewPage, diff: unknown, label: string): Promise<void> {
  await p.page.evaluate(({ d, l }) => window.studio!.commit(d as never, l), { d: diff, l: label });
  await idle(p);
}
/** Every person back as it was (one step), whatever the fix did. */
async function restore(p: ReviewPage, truth: AnnotationState, now: AnnotationState): Promise<void> {
  const updated = Object.fromEntries(
    truth.order
      .filter((id) => now.persons[id] && JSON.stringify(now.persons[id]) !== JSON.stringify(truth.persons[id]))
      .map((id) => [id, update(now.persons[id], truth.persons[id]).updated[id]]),
  );
  const added = Object.fromEntries(truth.order.filter((id) => !now.persons[id]).map((id) => [id, truth.persons[id]]));
  const removed = Object.fromEntries(now.order.filter((id) => !truth.persons[id]).map((id) => [id, now.persons[id]]));
  if (Object.keys(updated).length + Object.keys(added).length + Object.keys(removed).length)
    await commit(p, { added, removed, updated, order: [now.order, truth.order] }, 'restore');
}

function report(all: Trial[]): void {
  console.log(
    '\n| error | trials | with: fixed / events / KLM s / page ms | without: fixed / events / KLM s / page ms | without, finding the error included: KLM s | ratio without / with: events, KLM s, KLM s finding included | flagged (L) | candidate was the joint |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const ev = (t: Trial) => t.count.keys + t.count.clicks + t.count.drags;
  const klm = (t: Trial) => klmSeconds(t.count.ops);
  const sum = (ts: Trial[], f: (t: Trial) => number) => ts.reduce((a, t) => a + f(t), 0);
  const mean = (ts: Trial[], f: (t: Trial) => number) => fmt(sum(ts, f) / ts.length, 2);
  const cell = (ts: Trial[]) =>
    `${ts.filter(fixed).length}/${ts.length} / ${mean(ts, ev)} / ${mean(ts, klm)} / ${fmt(median(ts.map((t) => t.wallMs)), 0)}`;
  const share = (ts: Trial[], f: (t: Trial) => boolean | null) => {
    const known = ts.filter((t) => f(t) !== null);
    return known.length ? `${known.filter(f).length}/${known.length}` : '—';
  };
  for (const kind of [...ERROR_KINDS, 'all'] as const) {
    const of = (w: boolean) => all.filter((t) => (kind === 'all' || t.kind === kind) && t.with === w);
    const w = of(true),
      wo = of(false);
    if (!w.length) continue;
    const found = (t: Trial) => klm(t) + findingSeconds(t);
    const ratios = [sum(wo, ev) / sum(w, ev), sum(wo, klm) / sum(w, klm), sum(wo, found) / sum(w, klm)];
    console.log(
      `| ${kind} | ${w.length} | ${cell(w)} | ${cell(wo)} | ${mean(wo, found)} | ${ratios.map((x) => fmt(x, 2)).join(' / ')} | ${share(w, (t) => t.count.flagged)} | ${share(w, (t) => t.count.candidate)} |`,
    );
  }
  const worst = (w: boolean) =>
    fmt(Math.max(...all.filter((t) => t.with === w && fixed(t)).map((t) => t.residualPx)), 3);
  console.log(`\nlargest residual of a fixed person (px): with ${worst(true)}, without ${worst(false)}`);
  const coll = all.filter((t) => t.collateral);
  console.log(
    `fixes that moved another person's joint: ${coll.length} (${coll.map((t) => `${t.kind} ${t.with ? 'with' : 'without'}`).join(', ') || 'none'})`,
  );
  const refused = all.filter((t) => t.count.snapRefused > 0);
  console.log(
    `with: fixes where a snap target was not the true joint (Shift let go): ${refused.length} (${refused.map((t) => t.kind).join(', ') || 'none'})`,
  );
}
