// Attack: a COCO file whose image record lies about its file's size. The import took width and height from the
// record (a new image) or stored the record as it was (a scanned one), never from the file: a record of 10⁹ × 427
// for a 640 × 427 photo imported, its keypoints were checked against 10⁹ px (a nose at x = 5·10⁸ passed), and every
// export wrote that size and those keypoints as the ground truth of the photo. A record must now name its file's
// size (as shown, EXIF applied, or as stored before the rotation); otherwise the whole import is refused, naming the
// file and both sizes. Real COCO photos, the CLI, the service, SQLite.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { COCO_VAL_IMAGES, SHARED_ROOT } from '../support/fixturePaths.ts';
import { runCli } from '../support/runCli.ts';

type Coco = {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; keypoints: number[]; bbox: number[] }[];
};
const VAL = path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_val2017.json');
const dirs: string[] = [];
let opened: OpenProject[] = [];
afterEach(async () => {
  for (const p of opened) await p.close();
  opened = [];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The first three val2017 images with their persons, their photos in `dir/images`. */
function cocoOfThree(): { dir: string; coco: Coco } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-recsize-'));
  dirs.push(dir);
  const all = JSON.parse(readFileSync(VAL, 'utf8')) as Coco & Record<string, unknown>;
  const images = all.images.slice(0, 3);
  const ids = new Set(images.map((i) => i.id));
  const imagesDir = path.join(dir, 'images');
  mkdirSync(imagesDir);
  for (const im of images) copyFileSync(path.join(COCO_VAL_IMAGES, im.file_name), path.join(imagesDir, im.file_name));
  return { dir, coco: { ...all, images, annotations: all.annotations.filter((a) => ids.has(a.image_id)) } };
}
const write = (dir: string, name: string, coco: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, JSON.stringify(coco));
  return f;
};

describe('an image record that lies about its file', () => {
  it('a new image 10⁹ px wide with a nose at x = 5·10⁸: the import is refused whole, naming the file and both sizes', async () => {
    const { dir, coco } = cocoOfThree();
    const im = coco.images[0];
    const lie = structuredClone(coco);
    lie.images[0].width = 1e9;
    const ann = lie.annotations.find((a) => a.image_id === im.id)!;
    ann.keypoints[0] = 5e8;
    ann.keypoints[2] = 2;
    const db = path.join(dir, 'p.sqlite');
    const r = await runCli(
      'import',
      write(dir, 'lie.json', lie),
      '--images',
      path.join(dir, 'images'),
      '--project',
      db,
    );
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toContain(
      `${im.file_name}: the record says 1000000000×${im.height} but the file is ${im.width}×${im.height}`,
    );
    expect(r.err.join('\n')).toMatch(/nothing was imported/);
    const check = openProjectDb(db);
    expect(check.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(0);
    check.close();
    // the true file imports
    expect(
      (await runCli('import', write(dir, 'ok.json', coco), '--images', path.join(dir, 'images'), '--project', db)).code,
    ).toBe(0);
  });

  it('a scanned image (the project opened from its folder) re-described as another size: refused, nothing changed', async () => {
    const { dir, coco } = cocoOfThree();
    const p = await openProjectFolder(path.join(dir, 'images'));
    opened.push(p);
    const lie = structuredClone(coco);
    lie.images[1].height = lie.images[1].height * 3;
    await expect(p.service.importCoco({ path: write(path.join(dir, 'images'), 'lie.json', lie) })).rejects.toThrow(
      new RegExp(
        `${lie.images[1].file_name}: the record says ${lie.images[1].width}×${lie.images[1].height} but the file is ${coco.images[1].width}×${coco.images[1].height}`,
      ),
    );
    expect(p.db.prepare('SELECT COUNT(*) FROM annotations').pluck().get()).toBe(0);
    expect(p.db.prepare('SELECT COUNT(*) FROM images WHERE coco_json IS NOT NULL').pluck().get()).toBe(0);
    const ok = await p.service.importCoco({ path: write(path.join(dir, 'images'), 'ok.json', coco) });
    expect(ok.changes.imagesUpdated).toBe(3);
  });

  it('an EXIF-rotated photo: its size as shown or as stored is its size; any other is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-recsize-exif-'));
    dirs.push(dir);
    // stored 60 × 40, EXIF orientation 6 (90° clockwise): shown 40 × 60
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#888' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(path.join(dir, 'r.jpg'));
    const coco = (width: number, height: number) => ({
      images: [{ id: 1, file_name: 'r.jpg', width, height }],
      annotations: [],
      categories: [{ id: 1, name: 'person', supercategory: 'person' }],
    });
    const run = (w: number, h: number) =>
      runCli(
        'import',
        write(dir, `c${w}x${h}.json`, coco(w, h)),
        '--images',
        dir,
        '--project',
        path.join(dir, `p${w}x${h}.sqlite`),
      );
    expect((await run(40, 60)).code).toBe(0);
    expect((await run(60, 40)).code).toBe(0);
    const wrong = await run(60, 60);
    expect(wrong.code).toBe(3);
    expect(wrong.err.join('\n')).toContain('r.jpg: the record says 60×60 but the file is 40×60');
  });
});
