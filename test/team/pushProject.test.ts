// A local project pushed to a team database exports, from there, exactly as it does locally: the same bytes of COCO
// JSON for every export scope (imported records with their own ids, fields and file order; persons made in the app
// with fresh ids; "no person" images; the dataset fields an import brought). A second push is refused, and a push
// that fails leaves the team database as it was.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { gridPoses } from '../support/predictions.ts';
import { acceptPredictions, type addPerson } from '../../src/core/edit/poseEdits.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../src/core/skeleton/poseMeta.ts';
import { serializeCoco } from '../../src/core/coco/cocoJson.ts';
import { exportCocoCounted } from '../../src/node/project/cocoExchange.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { openTeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { exportTeamCoco } from '../../src/node/team/teamExport.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
let project: OpenProject;
afterEach(() => project?.close());

/** Six photos: two imported from a COCO file with passthrough fields, the others reviewed or edited in the app. */
async function reviewedProject(): Promise<OpenProject> {
  project = await photoProject(6, 120, 90);
  const s = project.service;
  const kp = Array.from({ length: 51 }, (_, k) => (k % 3 === 2 ? 1 + (k % 2) : 10 + k));
  const gt = {
    info: { description: 'pushed', year: 2026 },
    licenses: [{ id: 3, name: 'CC' }],
    images: [
      { id: 40, file_name: 'photos/img004.png', width: 120, height: 90, license: 3, flickr_url: 'x' },
      { id: 7, file_name: 'photos/img001.png', width: 120, height: 90 },
    ],
    annotations: [
      {
        id: 9,
        image_id: 40,
        category_id: 1,
        keypoints: kp,
        num_keypoints: 17,
        bbox: [1, 2, 30, 40],
        area: 900,
        iscrowd: 0,
        extra: 'kept',
      },
      {
        id: 2,
        image_id: 7,
        category_id: 1,
        keypoints: kp,
        num_keypoints: 17,
        bbox: [0, 0, 50, 60],
        area: 3000,
        iscrowd: 0,
      },
    ],
    categories: [
      {
        id: 1,
        name: 'person',
        supercategory: 'person',
        keypoints: [...COCO_KEYPOINTS],
        skeleton: COCO_SKELETON_1BASED.map((q) => [...q]),
        note: 'mine',
      },
    ],
    extra_top_level: { a: 1 },
  };
  writeFileSync(path.join(project.root, 'gt.json'), JSON.stringify(gt));
  await s.importCoco({ path: path.join(project.root, 'gt.json') });
  const save = async (
    imageId: number,
    diff: Parameters<typeof addPerson>[0] extends never ? never : ReturnType<typeof addPerson>,
  ) => {
    const a = await s.getAnnotation({ imageId });
    await s.saveEdits({ imageId, revision: a.revision, steps: [{ kind: 'do', diff, label: 'edit' }] });
  };
  const ids = (await s.listImages({})).images.map((r) => r.id);
  await save(
    ids[0],
    acceptPredictions({ persons: {}, order: [] }, gridPoses(2, 120, 90, 0.9, 0.95), (i) => `p${i}`),
  );
  await s.setStatus({ imageId: ids[0], status: 'accepted' });
  await s.setStatus({ imageId: ids[2], status: 'no_person' });
  await save(
    ids[3],
    acceptPredictions({ persons: {}, order: [] }, gridPoses(1, 120, 90, 0.9, 0.9), () => 'q'),
  );
  await s.setStatus({ imageId: ids[3], status: 'in_progress' });
  return project;
}

describe.skipIf(PG_MISSING)('push a local project to a team database', () => {
  it('exports from the team database byte for byte as the local export, in every scope', async () => {
    const p = await reviewedProject();
    const team = await pg.fresh();
    const pushed = await pushProject(p.db, team, 'photos');
    expect(pushed).toEqual({ images: 6, annotations: 4 });
    for (const scope of [{}, { onlyReviewed: true }, { all: true }]) {
      const local = exportCocoCounted(p.db, scope);
      const remote = await exportTeamCoco(team, scope);
      expect(serializeCoco(remote.dataset)).toBe(serializeCoco(local.dataset));
      expect(remote.emptyPersons).toBe(local.emptyPersons);
    }
    // non-trivial: the imported records' own ids and fields, and fresh ids for the rest
    const all = (await exportTeamCoco(team, { all: true })).dataset;
    expect(all.images.map((i) => i.id)).toEqual([40, 7, 41, 42, 43, 44]);
    expect(all.annotations.find((a) => a.id === 9)).toMatchObject({ extra: 'kept' });
  });

  it('refuses a push into a database that holds a project, and changes nothing', async () => {
    const p = await reviewedProject();
    const team = await pg.fresh();
    await pushProject(p.db, team, 'photos');
    const before = serializeCoco((await exportTeamCoco(team, { all: true })).dataset);
    await expect(pushProject(p.db, team, 'again')).rejects.toThrow(
      /already holds a project \(6 images\): push into an empty database/,
    );
    expect(serializeCoco((await exportTeamCoco(team, { all: true })).dataset)).toBe(before);
  });

  it('two pushes at once: one wins, the other is refused, nothing doubled', async () => {
    const p = await reviewedProject();
    const team = await pg.fresh();
    const results = await Promise.allSettled([pushProject(p.db, team, 'a'), pushProject(p.db, team, 'b')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(Number((await team.pool.query('SELECT COUNT(*) AS n FROM team_images')).rows[0].n)).toBe(6);
  });

  it("keeps the local project's order on a database whose collation sorts names otherwise (en-US)", async () => {
    // SQLite orders paths byte by byte (B < _ < a); an en-US collation says _c < a < B. Fresh image ids follow
    // project order, so a push that took the server's collation would export other ids for the same images.
    const root = mkdtempSync(path.join(tmpdir(), 'sp-team-order-'));
    for (const [i, name] of ['B.png', 'a.png', '_c.png', 'a b.png', 'ab.png'].entries())
      await sharp({ create: { width: 30, height: 20, channels: 3, background: { r: 40 * i, g: 9, b: 9 } } })
        .png()
        .toFile(path.join(root, name));
    project = await openProjectFolder(root);
    for (const r of (await project.service.listImages({})).images)
      await project.service.setStatus({ imageId: r.id, status: 'no_person' });
    const url = await pg.cluster().createDatabase('order_en_us', { icuLocale: 'en-US' });
    const team = await openTeamDb(url);
    try {
      await pushProject(project.db, team, 'order');
      const local = serializeCoco(exportCocoCounted(project.db, {}).dataset);
      expect(serializeCoco((await exportTeamCoco(team, {})).dataset)).toBe(local);
      expect(JSON.parse(local).images.map((i: { file_name: string }) => i.file_name)).toEqual([
        'B.png',
        '_c.png',
        'a b.png',
        'a.png',
        'ab.png',
      ]);
    } finally {
      await team.close();
    }
  });
});
