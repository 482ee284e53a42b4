// The project's trainer is one: two processes (two app instances, app + CLI) starting a training at the same moment
// never both train — the claim and the training's record are one IMMEDIATE transaction the second sees —, two
// services of one process neither, and a holder killed by kill -9 releases it at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { type CliTrainEvent, trainProcess } from '../support/trainCli.ts';
import { BUNDLED_MODEL, tmpBase, trainEvents, trainFolder, trainProject } from '../support/trainProject.ts';

const SMALL = ['--input-size', '128', '--batch', '2', '--threads', '1'];
const REFUSED =
  /training \d+ of this project is running in process \d+ \(another window, the web server or simplepose train\): wait for it or stop it there/;
let base: string;
const opened: OpenProject[] = [];
beforeAll(() => {
  base = tmpBase();
});
afterAll(async () => {
  for (const p of opened) await p.close();
});

const count = (dir: string, sql: string) => {
  const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
  try {
    return db.prepare(sql).pluck().get();
  } finally {
    db.close();
  }
};
const started = (events: CliTrainEvent[]) => events.some((e) => ['preparing', 'training'].includes(e.stage));

describe("the project's trainer", () => {
  it('two simplepose train started at the same moment: one trains, the other is refused by name, nothing recorded', async () => {
    const dir = trainFolder(base, 6, 6);
    await (await trainProject(dir)).close();
    const events: CliTrainEvent[][] = [[], []];
    const runs = [0, 1].map((i) =>
      trainProcess(dir, ['--steps', '40', '--no-resume', ...SMALL], (e) => events[i].push(e)),
    );
    const codes: (number | null | undefined)[] = [undefined, undefined];
    runs.forEach((r, i) => void r.exit.then((c) => (codes[i] = c)));
    // until one is refused, or both got past their start (the defect: both train)
    const t0 = Date.now();
    while (!codes.some((c) => c !== undefined) && !(started(events[0]) && started(events[1]))) {
      if (Date.now() - t0 > 180_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const r of runs) r.child.kill('SIGINT'); // the one training cancels (checkpoint kept)
    await Promise.all(runs.map((r) => r.exit));
    const refused = [0, 1].filter((i) => codes[i] === 2);
    expect(refused.length, runs.map((r) => r.stderr()).join('\n---\n')).toBe(1);
    const [loser, winner] = refused[0] === 0 ? [0, 1] : [1, 0];
    expect(runs[loser].stderr()).toMatch(REFUSED);
    expect(runs[loser].stderr()).not.toMatch(/\n\s+at |Traceback/);
    expect(events[winner].at(-1)?.stage).toMatch(/^(cancelled|failed)$/);
    expect(count(dir, 'SELECT COUNT(*) FROM trainings')).toBe(1); // the refused one recorded nothing
    expect(count(dir, 'SELECT COUNT(*) FROM trainer_claim')).toBe(0); // released at its end
  }, 300_000);

  it('two services of one process on one project: the second is refused while the first holds it', async () => {
    const dir = trainFolder(base, 6, 6);
    const a = await trainProject(dir);
    const b = await openProjectFolder(dir, { modelPath: BUNDLED_MODEL });
    opened.push(a, b);
    const first = await a.service.startTrain({ steps: 40, inputSize: 128, batch: 2, threads: 1 });
    const ended = trainEvents(a, first.jobId);
    await expect(b.service.startTrain({ steps: 40, resume: false })).rejects.toThrow(REFUSED);
    await a.service.cancelJob({ jobId: first.jobId });
    await ended;
    const again = await b.service.startTrain({ steps: 40, inputSize: 128, batch: 2, threads: 1 }); // released
    expect(again.jobId).not.toBe(first.jobId);
    await b.service.cancelJob({ jobId: again.jobId });
    await trainEvents(b, again.jobId);
    expect(count(dir, 'SELECT COUNT(*) FROM trainer_claim')).toBe(0);
  }, 300_000);

  it('a holder killed by kill -9 releases it at once: the next Train is not refused', async () => {
    const dir = trainFolder(base, 6, 6);
    await (await trainProject(dir)).close();
    const run = trainProcess(dir, ['--steps', '40', ...SMALL], (e) => {
      if (e.stage === 'checking') run.child.kill('SIGKILL'); // the claim held, its trainer not started yet
    });
    await run.exit;
    expect(count(dir, 'SELECT COUNT(*) FROM trainer_claim')).toBe(1); // nobody was left to release it
    const p = await openProjectFolder(dir, { modelPath: BUNDLED_MODEL });
    opened.push(p);
    const next = await p.service.startTrain({ steps: 40, inputSize: 128, batch: 2, threads: 1 });
    expect(next.trainingId).toBeGreaterThan(0);
    await p.service.cancelJob({ jobId: next.jobId });
    await trainEvents(p, next.jobId);
  }, 300_000);
});
