// npm run bench:attack — issue 10's figure "cross-origin writes (target 0)": the cross-origin attack page of
// test/support/crossOriginAttack.ts against a real web-mode server and project, in Debian's Chromium, in four
// situations (a fresh browser; the browser where the victim opened the app with ?token=; the token leaked to the
// attacking page; DNS rebinding), counting the writes that reached the project (changed rows, new edits, new or
// changed files) by reading the database and the folders. Baseline, in the same process: the same write requests
// sent by the app's own page with its token, which must land (the count can see a write). Several runs, medians.
import { chromium } from 'playwright-core';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing } from '../test/e2e/launchBrowser.ts';
import { ensureBuild } from '../scripts/ensureBuild.ts';
import { startServer } from '../src/server/startServer.ts';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { makeAttackProject, projectState, writesBetween } from '../test/support/attackProject.ts';
import {
  attackBodies,
  REBIND_FLAGS,
  runAttackPage,
  runRebindingPage,
  serveAttackPage,
  type AttackTarget,
  type Observation,
} from '../test/support/crossOriginAttack.ts';
import { machineLine, median } from './benchStats.ts';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const missing = chromiumMissing();
if (missing) throw new Error(missing);
ensureBuild(PROJECT_ROOT, () => undefined);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
const rebindBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...REBIND_FLAGS] });
const seenData = (seen: Observation[]) => seen.filter((o) => /loaded \d|readable:|status 2\d\d|^open$/.test(o.seen));

interface RunFigures {
  attempts: number;
  writes: Record<string, number>;
  dataSeen: number;
  controlWrites: number;
}
const runs: RunFigures[] = [];
for (let run = 0; run < RUNS; run++) {
  const p = await makeAttackProject();
  const server = await startServer({
    service: p.project.service,
    root: p.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  const target: AttackTarget = {
    victim: `http://127.0.0.1:${server.port}`,
    imageId: p.imageId,
    exportDirs: [p.root, p.base, p.outside],
  };
  const victimContext = await browser.newContext();
  const victim = await victimContext.newPage();
  await victim.goto(server.url);
  await victim.waitForFunction(
    () => (globalThis as { studio?: { snapshot(): { current: unknown } } }).studio?.snapshot().current != null,
  );
  await victim.waitForTimeout(1500);
  const fresh = await browser.newContext();
  const figures: RunFigures = { attempts: 0, writes: {}, dataSeen: 0, controlWrites: 0 };
  const situations: [string, () => Promise<Observation[]>][] = [
    ['fresh browser', () => viaPage(fresh, target)],
    ['victim browser', () => viaPage(victimContext, target)],
    ['token leaked', () => viaPage(victimContext, { ...target, token: server.token })],
    ['DNS rebinding', () => runRebindingPage(rebindBrowser, { ...target, token: server.token })],
  ];
  for (const [name, attack] of situations) {
    const before = projectState(p);
    const seen = await attack();
    await new Promise((r) => setTimeout(r, 300));
    figures.writes[name] = writesBetween(before, projectState(p));
    figures.attempts += seen.length;
    figures.dataSeen += seenData(seen).length;
  }
  // Baseline: the app's own page sends the same writes with its token (exports only into the project folder land).
  const before = projectState(p);
  await victim.evaluate(
    async ([bodies, token]) => {
      for (const [m, body] of Object.entries(bodies))
        await fetch(`/api/${m.split('#')[0]}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
    },
    [attackBodies(target), server.token] as const,
  );
  figures.controlWrites = writesBetween(before, projectState(p));
  runs.push(figures);
  console.log(JSON.stringify({ run, ...figures }));
  await fresh.close();
  await victimContext.close();
  await server.close();
  p.close();
}
await browser.close();
await rebindBrowser.close();

async function viaPage(context: Parameters<typeof runAttackPage>[0], t: AttackTarget): Promise<Observation[]> {
  const attacker = await serveAttackPage(t);
  try {
    return await runAttackPage(context, attacker.url);
  } finally {
    await attacker.close();
  }
}

const crossOrigin = runs.map((r) => Object.values(r.writes).reduce((a, b) => a + b, 0));
console.log(`machine: ${machineLine()}; Chromium ${browser.version()}; ${RUNS} runs`);
console.log(
  JSON.stringify({
    attempts_per_run: median(runs.map((r) => r.attempts)),
    cross_origin_writes_median: median(crossOrigin),
    cross_origin_writes_max: Math.max(...crossOrigin),
    project_data_seen_by_attacker_median: median(runs.map((r) => r.dataSeen)),
    baseline_same_origin_writes_median: median(runs.map((r) => r.controlWrites)),
    writes_by_situation_max: Object.fromEntries(
      Object.keys(runs[0].writes).map((k) => [k, Math.max(...runs.map((r) => r.writes[k]))]),
    ),
  }),
);
