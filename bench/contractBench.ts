// npm run bench:contract — what validating a payload against the contract costs: the zod contract (checkPayload,
// as the dispatcher runs it on every request and response) against the hand-written schema language it replaced
// (src/core/schema/schema.ts and src/contract/poseApi.ts of BASELINE_COMMIT, read from git into a temp folder),
// in the same process, interleaved, on the largest payloads the app sends: a 50-person annotation, a 50-person
// diff, a page of 200 images. Medians of 15 rounds; each round validates each payload `reps` times.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkPayload } from '../src/contract/checkPayload.ts';
import type { PoseMethod } from '../src/contract/poseApi.ts';
import { acceptPredictions } from '../src/core/edit/poseEdits.ts';
import { applyDiff } from '../src/core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT } from '../src/core/edit/poseRecords.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const BASELINE_COMMIT = 'dcdeff8';
const root = path.join(import.meta.dirname, '..');

/** The replaced validator, as it was: its two files from git, beside links to the core modules they import. */
async function loadBaseline(): Promise<((m: string, side: string, p: unknown) => void) | null> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-contract-bench-'));
  try {
    for (const f of ['src/core/schema/schema.ts', 'src/contract/poseApi.ts']) {
      const text = execFileSync('git', ['show', `${BASELINE_COMMIT}:${f}`], { cwd: root, encoding: 'utf8' });
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    }
    for (const d of ['edit', 'skeleton']) symlinkSync(path.join(root, 'src/core', d), path.join(dir, 'src/core', d));
    const mod = (await import(path.join(dir, 'src/contract/poseApi.ts'))) as {
      checkPayload: (m: string, side: string, p: unknown) => void;
    };
    return mod.checkPayload;
  } catch (e) {
    console.log(`no baseline (${(e as Error).message.split('\n')[0]}): zod figures only`);
    return null;
  } finally {
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
}

const pose = (i: number) => ({
  score: 0.5 + (i % 5) / 10,
  neck: { x: i, y: i, score: 0.4 },
  joints: Array.from({ length: JOINT_COUNT }, (_, k) => (k % 4 === 3 ? null : { x: i + k, y: 2 * k + i, score: 0.7 })),
});
let n = 0;
const diff = acceptPredictions(
  EMPTY_ANNOTATION,
  Array.from({ length: 50 }, (_, i) => pose(i)),
  () => `p${n++}`,
);
const state = applyDiff(EMPTY_ANNOTATION, diff);
const rows = Array.from({ length: 200 }, (_, i) => ({
  id: i + 1,
  relPath: `folder${i % 10}/image_${i}.jpg`,
  width: 640,
  height: 480,
  status: 'unreviewed',
  missing: false,
  score: i % 3 ? 0.5 : null,
}));
const history = { cursor: 1, length: 1, first: 1, entries: [{ diff, label: 'accept' }] };
// Each case: [label, method, side, payload, reps] for the zod contract, and the baseline's method and payload (the
// API of BASELINE_COMMIT: applyEdit carried one diff, getAnnotation canUndo/canRedo instead of a history window).
type Case = [string, PoseMethod, 'request' | 'response', unknown, number, string, unknown];
const cases: Case[] = [
  [
    'save request, 50-person diff',
    'saveEdits',
    'request',
    { imageId: 1, revision: 3, steps: [{ kind: 'do', diff, label: 'accept' }] },
    50,
    'applyEdit',
    { imageId: 1, revision: 3, diff, label: 'accept' },
  ],
  [
    'getAnnotation response, 50 persons',
    'getAnnotation',
    'response',
    { state, revision: 3, history },
    50,
    'getAnnotation',
    { state, revision: 3, canUndo: true, canRedo: false },
  ],
  [
    'listImages response, 200 rows',
    'listImages',
    'response',
    { total: 10_000, images: rows },
    50,
    'listImages',
    { total: 10_000, images: rows },
  ],
];

const baseline = await loadBaseline();
const time = (check: (m: string, s: string, p: unknown) => void, c: Case, old = false) => {
  const t = performance.now();
  for (let r = 0; r < c[4]; r++) check(old ? c[5] : c[1], c[2], old ? c[6] : c[3]);
  return (performance.now() - t) / c[4];
};
console.log(`machine: ${machineLine()}`);
console.log('| payload | zod contract (ms) | hand-written baseline (ms) | ratio zod / baseline |');
console.log('|---|---|---|---|');
for (const c of cases) {
  const zod: number[] = [],
    old: number[] = [];
  for (let round = 0; round < 18; round++) {
    const a = time(checkPayload as (m: string, s: string, p: unknown) => void, c);
    const b = baseline ? time(baseline, c, true) : Number.NaN;
    if (round >= 3) {
      // 3 warm-up rounds
      zod.push(a);
      old.push(b);
    }
  }
  const [mz, mo] = [median(zod), median(old)];
  console.log(`| ${c[0]} | ${fmt(mz, 3)} | ${baseline ? fmt(mo, 3) : '—'} | ${baseline ? fmt(mz / mo, 2) : '—'} |`);
}
