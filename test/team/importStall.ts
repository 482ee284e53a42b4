// What the import-stall test and bench (bench/teamImportStallBench.ts) share: a huge valid COCO keypoints file, made
// up, a team server with an admin and a reviewer logged in, and a client that polls a cheap call while work runs.
import type { CocoDataset } from '../../src/core/coco/cocoTypes.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../src/core/skeleton/poseMeta.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser } from '../../src/node/team/teamAccounts.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { send } from '../support/rawHttp.ts';

const STALL_PASSWORD = 'a long enough password';

/**
 * `images` images (640×480, files that are not in the folder: reported missing, nothing hashed) with `persons`
 * persons each, every joint labelled (one in five occluded): what a large dataset's GT file looks like to an import.
 */
export function hugeCoco(images: number, persons: number): CocoDataset {
  const records = Array.from({ length: images }, (_, i) => ({
    id: i + 1,
    file_name: `huge/f${i % 100}/img${i}.jpg`,
    width: 640,
    height: 480,
  }));
  const annotations = records.flatMap((im) =>
    Array.from({ length: persons }, (_, p) => ({
      id: (im.id - 1) * persons + p + 1,
      image_id: im.id,
      category_id: 1,
      keypoints: COCO_KEYPOINTS.flatMap((_, k) => [20 + p * 100 + k * 2.5, 30 + k * 20.25, k % 5 ? 2 : 1]),
      num_keypoints: COCO_KEYPOINTS.length,
      bbox: [20 + p * 100, 30, 40, 324],
      area: 12960,
      iscrowd: 0 as const,
    })),
  );
  const categories = [
    {
      id: 1,
      name: 'person',
      supercategory: 'person',
      keypoints: [...COCO_KEYPOINTS],
      skeleton: COCO_SKELETON_1BASED.map((e) => [...e]),
    },
  ];
  return { info: { description: 'a huge made-up dataset' }, images: records, annotations, categories };
}

/**
 * Calls `poll` one call after another (`gapMs` between them) until `work` settles: each call's latency (ms), and
 * the work's seconds. A call that fails stops it.
 */
export async function pollWhile(
  poll: () => Promise<void>,
  work: () => Promise<unknown>,
  gapMs = 10,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let done = false;
  const t0 = performance.now();
  const running = work().finally(() => {
    done = true;
  });
  while (!done) {
    const t = performance.now();
    await poll();
    latencies.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await running;
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

/**
 * A team project for the stall measurements: the small local project `local` pushed into `team`, its server (no
 * queue; imports and exports confined to `exchange`), an admin and a reviewer logged in over HTTP.
 */
export async function stallServer(team: TeamDb, local: OpenProject, exchange: string) {
  await pushProject(local.db, team, 'photos');
  const admin = await addTeamUser(team, 'adm', 'admin', STALL_PASSWORD);
  await addTeamUser(team, 'rev', 'reviewer', STALL_PASSWORD);
  const server = await startTeamServer({
    team,
    imagesRoot: local.root,
    modelPath: BUNDLED_MODEL_PATH,
    boss: null,
    exchange: { kind: 'folder', dir: exchange },
  });
  const post = (route: string, body: unknown, token?: string) =>
    send(server.port, 'POST', route, {
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const token = async (name: string) =>
    ((await post('/api/login', { name, password: STALL_PASSWORD })).json as { token: string }).token;
  return { team, admin, server, post, adminToken: await token('adm'), reviewerToken: await token('rev') };
}
