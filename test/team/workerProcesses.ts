// Real `simplepose worker` processes against a team database, for the queue tests and the benchmark, and the run
// they work on.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';
import type { DetectSettings } from '../../src/node/jobs/detectSettings.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../../src/node/team/detectQueue.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { startTeamDetection } from '../../src/node/team/teamDetection.ts';
import { runTeamWorker, type TeamWorkerOptions } from '../../src/node/team/teamWorker.ts';

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `simplepose worker` (Node 22, the CLI as users run it) with short queue timings for a test. */
export function startWorker(
  url: string,
  images: string,
  name: string,
  o: { batchExpiry?: number; maintenance?: number; extra?: string[] } = {},
): WorkerProcess {
  const args = [
    path.join(PROJECT_ROOT, 'bin', 'simplepose.js'),
    'worker',
    '--images',
    images,
    '--name',
    name,
    '--poll',
    '1',
    '--batch-expiry',
    String(o.batchExpiry ?? 900),
    '--maintenance',
    String(o.maintenance ?? 1),
    '--exit-when-idle',
    ...(o.extra ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, SIMPLEPOSE_TEAM_URL: url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, exited, stderr: () => err };
}

/** Queues a detection run of every image in batches of `batchSize` (its own queue client, stopped after); its id. */
export async function queueTeamRun(
  team: TeamDb,
  o: { modelPath: string; settings: DetectSettings; batchSize: number; batchExpirySeconds?: number },
): Promise<number> {
  const timings = { ...DEFAULT_QUEUE_TIMINGS, batchExpirySeconds: o.batchExpirySeconds ?? 900 };
  const boss = await startBoss(team.url, timings);
  try {
    return await startTeamDetection(team, boss, { ...o, timings });
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

/** A worker loop in this process (`runTeamWorker`) that returns once the queue is empty; polls every second. */
export function workUntilIdle(
  team: TeamDb,
  root: string,
  o: Partial<TeamWorkerOptions> = {},
): ReturnType<typeof runTeamWorker> {
  return runTeamWorker({
    url: team.url,
    root,
    name: 'w',
    timings: { ...DEFAULT_QUEUE_TIMINGS, pollSeconds: 1 },
    exitWhenIdle: true,
    ...o,
  });
}
