// Attack: a photo changed on disk while the project is open (the app or `serve` running; `simplepose export` on a
// project not opened since). The scan that notices a replaced file runs only when a project is opened, so the
// export wrote the accepted annotation of the old picture with the old width and height as the ground truth of the
// new file: a training set whose labels belong to another photo. An export now checks the files of the images it
// writes (size and mtime, then the content hash of a file that differs) and leaves a changed one out, naming it,
// until the project has read the new picture (the next open applies the scan's rules: a resized copy is rescaled,
// another picture waits for a look). Real COCO photos, the real service, SQLite and the CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { validateCocoGt } from '../../src/core/coco/validateCoco.ts';
import { COCO_VAL_IMAGES } from '../support/fixturePaths.ts';
import { runCli } from '../support/runCli.ts';
import { gridPoses, insertRun } from '../support/predictions.ts';

// 000000000802.jpg is 424×640; 000000000139.jpg 640×426 (another picture of another size)
const PORTRAIT = '000000000802.jpg',
  LANDSCAPE = '000000000139.jpg',
  OTHER = '000000011813.jpg';

let opened: OpenProject[] = [];
const roots: string[] = [];
afterEach(async () => {
  for (const p of opened) await p.close();
  opened = [];
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** Two accepted photos with one person each. */
async function acceptedProject(): Promise<{ root: string; p: OpenProject }> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-changed-'));
  roots.push(root);
  for (const f of [PORTRAIT, OTHER]) copyFileSync(path.join(COCO_VAL_IMAGES, f), path.join(root, f));
  const p = await openProjectFolder(root);
  opened.push(p);
  for (const im of (await p.service.listImages({})).images) {
    const joints = Array.from({ length: 17 }, (_, k) =>
      k < 2 ? { x: 200 + k * 10, y: 500, v: 2 as const, source: 'human' as const } : null,
    );
    await p.service.saveEdits({
      imageId: im.id,
      revision: 0,
      steps: [
        {
          kind: 'do',
          label: 'add',
          diff: { added: { p: { id: 'p', joints, crowd: false } }, updated: {}, removed: {} },
        },
      ],
    });
    await p.service.setStatus({ imageId: im.id, status: 'accepted' });
  }
  return { root, p };
}

const exported = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as { images: { file_name: string; width: number; height: number }[] };

describe('a photo changed on disk after the project read it', () => {
  it.each([
    [
      'replaced by another photo of another size',
      (f: string) => copyFileSync(path.join(COCO_VAL_IMAGES, LANDSCAPE), f),
    ],
    ['truncated', (f: string) => truncateSync(f, 1000)],
  ])(
    '%s: the app export and the CLI export leave it out, by name; the rest exports and validates',
    async (_, change) => {
      const { root, p } = await acceptedProject();
      change(path.join(root, PORTRAIT));
      const r = await p.service.exportCoco({ path: path.join(root, 'gt.json'), onlyReviewed: false, kind: 'gt' });
      expect(r.images).toBe(1);
      expect(r.leftOut).toEqual([{ fileName: PORTRAIT, reason: expect.stringMatching(/changed on disk/) }]);
      const gt = exported(path.join(root, 'gt.json'));
      expect(gt.images.map((i) => i.file_name)).toEqual([OTHER]);
      expect(validateCocoGt(gt as never).filter((v) => v.severity === 'error')).toEqual([]);
      await p.close();
      opened = [];
      const cli = await runCli(
        'export',
        '--project',
        path.join(root, '.simplepose.sqlite'),
        '--out',
        path.join(root, 'c.json'),
      );
      expect(cli.code).toBe(0);
      expect(exported(path.join(root, 'c.json')).images.map((i) => i.file_name)).toEqual([OTHER]);
      expect(cli.err.join('\n')).toMatch(new RegExp(`left out 1 image.*${PORTRAIT}.*changed on disk`));
    },
  );

  it('a file only touched (same bytes, new mtime) or gone from the folder exports as before', async () => {
    const { root, p } = await acceptedProject();
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, PORTRAIT), later, later);
    rmSync(path.join(root, OTHER));
    const r = await p.service.exportCoco({ path: path.join(root, 'gt.json'), onlyReviewed: false, kind: 'gt' });
    expect([r.images, r.leftOut]).toEqual([2, []]);
    expect(exported(path.join(root, 'gt.json')).images.find((i) => i.file_name === PORTRAIT)).toMatchObject({
      width: 424,
      height: 640,
    });
  });

  it('once the project is opened again the scan has read the new picture: it waits for a look, then exports', async () => {
    const { root, p } = await acceptedProject();
    copyFileSync(path.join(COCO_VAL_IMAGES, LANDSCAPE), path.join(root, PORTRAIT));
    await p.close();
    opened = [];
    const again = await openProjectFolder(root);
    opened.push(again);
    const portrait = (await again.service.listImages({})).images.find((i) => i.relPath === PORTRAIT)!;
    expect(portrait).toMatchObject({ width: 640, height: 426, status: 'in_progress' });
    const r = await again.service.exportCoco({
      path: path.join(root, 'gt.json'),
      onlyReviewed: false,
      all: true,
      kind: 'gt',
    });
    expect(r.leftOut).toEqual([{ fileName: PORTRAIT, reason: expect.stringMatching(/424×640 to 640×426/) }]);
  });

  it('a results export takes the images of the GT export: never one it left out (pycocotools refuses such a pair)', async () => {
    let { root, p } = await acceptedProject();
    insertRun(
      p.db,
      new Map((await p.service.listImages({})).images.map((i) => [i.id, gridPoses(2, i.width, i.height)])),
    );
    copyFileSync(path.join(COCO_VAL_IMAGES, LANDSCAPE), path.join(root, PORTRAIT));
    // while the project is open (the changed file), and once opened again (its review note, since the scan)
    for (const [reopen, all] of [
      [false, false],
      [false, true],
      [true, true],
    ]) {
      if (reopen) {
        await p.close();
        opened = [];
        p = await openProjectFolder(root);
        opened.push(p);
      }
      const gt = path.join(root, `gt-${all}.json`),
        res = path.join(root, `res-${all}.json`);
      await p.service.exportCoco({ path: gt, onlyReviewed: false, all, kind: 'gt' });
      await p.service.exportCoco({ path: res, onlyReviewed: false, all, kind: 'results' });
      const gtIds = new Set((JSON.parse(readFileSync(gt, 'utf8')).images as { id: number }[]).map((i) => i.id));
      const resIds = new Set((JSON.parse(readFileSync(res, 'utf8')) as { image_id: number }[]).map((r) => r.image_id));
      expect(
        [...resIds].filter((id) => !gtIds.has(id)),
        `reopened: ${reopen}, all: ${all}`,
      ).toEqual([]);
      expect(resIds.size).toBe(1);
    }
  });

  it('accepting it, or calling it "no person", is refused until the project has read the new file; reject and skip are not', async () => {
    const { root, p } = await acceptedProject();
    const images = (await p.service.listImages({})).images;
    const portrait = images.find((i) => i.relPath === PORTRAIT)!.id,
      other = images.find((i) => i.relPath === OTHER)!.id;
    await p.service.setStatus({ imageId: portrait, status: 'in_progress' });
    copyFileSync(path.join(COCO_VAL_IMAGES, LANDSCAPE), path.join(root, PORTRAIT));
    for (const status of ['accepted', 'no_person'] as const)
      await expect(p.service.setStatus({ imageId: portrait, status })).rejects.toMatchObject({
        code: 'unprocessable',
        message: expect.stringMatching(new RegExp(`^${PORTRAIT}: its file changed on disk`)),
      });
    expect((await p.service.listImages({})).images.find((i) => i.id === portrait)!.status).toBe('in_progress');
    await p.service.setStatus({ imageId: portrait, status: 'skipped' });
    await p.service.setStatus({ imageId: portrait, status: 'rejected' });
    // the other image is as it was: deciding on it still works
    await p.service.setStatus({ imageId: other, status: 'accepted' });
  });

  it('a file the scan found gone: no accepting it until it is back', async () => {
    let { root, p } = await acceptedProject();
    const reopen = async () => {
      await p.close();
      opened = [];
      p = await openProjectFolder(root);
      opened.push(p);
      return (await p.service.listImages({})).images.find((i) => i.relPath === OTHER)!;
    };
    const kept = path.join(tmpdir(), `${path.basename(root)}-${OTHER}`);
    roots.push(kept);
    copyFileSync(path.join(root, OTHER), kept);
    rmSync(path.join(root, OTHER));
    const gone = await reopen();
    expect(gone.missing).toBe(true);
    await expect(p.service.setStatus({ imageId: gone.id, status: 'no_person' })).rejects.toThrow(
      `${OTHER}: its file is missing from the project folder`,
    );
    await p.service.setStatus({ imageId: gone.id, status: 'skipped' });
    copyFileSync(kept, path.join(root, OTHER));
    const back = await reopen();
    expect((await p.service.setStatus({ imageId: back.id, status: 'accepted' })).status).toBe('accepted');
  });
});
