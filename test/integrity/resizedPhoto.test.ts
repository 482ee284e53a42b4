// Attack on issue 10: annotate a 400×300 photo, replace the file with a 100×75 copy — the scan stored the new size
// and every export of the whole project then failed ("nose at (350, 250) is too far outside its 100×75 image"); the
// person could only be deleted; a smaller change silently exported keypoints that no longer fit. The scan now
// scales the annotation of a resized copy (one undoable edit) and leaves any other picture's annotation for review:
// that image is left out of exports, by name, until a person has looked — the rest of the project still exports.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { EditHistory } from '../../src/core/edit/editHistory.ts';
import { main, type CliIo } from '../../src/cli/main.ts';

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#446688' } })
    .png()
    .toBuffer();
const joints = (pts: [number, number][]) =>
  Array.from({ length: 17 }, (_, k) =>
    pts[k] ? { x: pts[k][0], y: pts[k][1], v: 2 as const, source: 'human' as const } : null,
  );

let open: OpenProject[] = [];
afterEach(async () => {
  for (const p of open) await p.close();
  open = [];
});

/** A project of two annotated photos (a.png 400×300, b.png 200×200); `a.png`'s person has joints near its corner. */
async function project(): Promise<{ root: string; p: OpenProject }> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-resized-'));
  writeFileSync(path.join(root, 'a.png'), await png(400, 300));
  writeFileSync(path.join(root, 'b.png'), await png(200, 200));
  const p = await openProjectFolder(root);
  open.push(p);
  for (const im of (await p.service.listImages({})).images) {
    const pts: [number, number][] =
      im.relPath === 'a.png'
        ? [
            [350, 250],
            [40, 20],
          ]
        : [[10, 10]];
    await p.service.saveEdits({
      imageId: im.id,
      revision: 0,
      steps: [
        {
          kind: 'do',
          label: 'add',
          diff: { added: { p: { id: 'p', joints: joints(pts), crowd: false } }, updated: {}, removed: {} },
        },
      ],
    });
    await p.service.setStatus({ imageId: im.id, status: 'accepted' });
  }
  return { root, p };
}

/** Replaces a file in place (a new mtime, as an editor saving it would) and opens the project again. */
async function replace(root: string, name: string, data: Buffer, p: OpenProject): Promise<OpenProject> {
  await p.close();
  open = open.filter((q) => q !== p);
  writeFileSync(path.join(root, name), data);
  const t = Date.now() / 1000 + 5;
  utimesSync(path.join(root, name), t, t);
  const again = await openProjectFolder(root);
  open.push(again);
  return again;
}

const imageOf = async (p: OpenProject, name: string) =>
  (await p.service.listImages({})).images.find((i) => i.relPath === name)!;

describe('a photo replaced in place by a file of another size', () => {
  it('a resized copy: the annotation is scaled to it as one undoable edit, and every export still works', async () => {
    const { root, p } = await project();
    const q = await replace(root, 'a.png', await png(100, 75), p);
    expect(q.sync.refits).toEqual(
      [{ kind: 'rescaled', relPath: 'a.png', from: { width: 400, height: 300 }, to: { width: 100, height: 75 } }].map(
        (r) => expect.objectContaining(r),
      ),
    );
    const a = await imageOf(q, 'a.png');
    const view = await q.service.getAnnotation({ imageId: a.id });
    expect(view.state.persons.p.joints[0]).toMatchObject({ x: 87.5, y: 62.5 });
    expect(view.state.persons.p.joints[1]).toMatchObject({ x: 10, y: 5 });
    expect(new EditHistory(view.state, view.history).undo()?.label).toBe('fit to the resized file (400×300 → 100×75)');
    const out = path.join(root, 'gt.json');
    const r = await q.service.exportCoco({ path: out, onlyReviewed: false, kind: 'gt' });
    expect(r).toMatchObject({ images: 2, annotations: 2, leftOut: [] });
    const gt = JSON.parse(readFileSync(out, 'utf8'));
    const ann = gt.annotations.find(
      (x: { image_id: number }) =>
        gt.images.find((i: { id: number; file_name: string }) => i.id === x.image_id).file_name === 'a.png',
    );
    expect(ann.keypoints.slice(0, 6)).toEqual([87.5, 62.5, 2, 10, 5, 2]);
  }, 60_000);

  it('another picture: its annotation is kept and the image waits for a look; exports leave it out by name; a status is refused until it fits', async () => {
    const { root, p } = await project();
    const q = await replace(root, 'a.png', await png(100, 150), p);
    expect(q.sync.refits).toHaveLength(1);
    expect(q.sync.refits[0]).toMatchObject({ kind: 'needsReview', relPath: 'a.png' });
    const a = await imageOf(q, 'a.png');
    expect(a.status).toBe('in_progress'); // it was accepted: of another picture
    const view = await q.service.getAnnotation({ imageId: a.id });
    expect(view.state.persons.p.joints[0]).toMatchObject({ x: 350, y: 250 }); // kept as it was
    const out = path.join(root, 'gt.json');
    // the default export takes established ground truth: a.png is in progress again, so not in it
    expect(await q.service.exportCoco({ path: out, onlyReviewed: false, kind: 'gt' })).toMatchObject({
      images: 1,
      leftOut: [],
    });
    const r = await q.service.exportCoco({ path: out, onlyReviewed: false, all: true, kind: 'gt' });
    expect(r.images).toBe(1); // b.png; the export did not fail
    expect(r.leftOut).toEqual([{ fileName: 'a.png', reason: expect.stringContaining('from 400×300 to 100×150') }]);
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    expect(await main(['export', '--project', q.db.name, '--out', path.join(root, 'cli.json'), '--all'], io)).toBe(0);
    expect(lines.join('\n')).toContain(
      'left out 1 image(s) that wait for a look (the file changed size since it was annotated): a.png',
    );
    // accepting it as it is: refused, saying why
    await expect(q.service.setStatus({ imageId: a.id, status: 'accepted' })).rejects.toMatchObject({
      code: 'unprocessable',
      message: expect.stringContaining('does not fit the 100×150 picture'),
    });
    // delete the person, accept: the image exports again
    await q.service.saveEdits({
      imageId: a.id,
      revision: view.revision,
      steps: [{ kind: 'do', label: 'delete', diff: { added: {}, updated: {}, removed: { p: view.state.persons.p } } }],
    });
    await q.service.setStatus({ imageId: a.id, status: 'accepted' });
    expect(await q.service.exportCoco({ path: out, onlyReviewed: false, all: true, kind: 'gt' })).toMatchObject({
      images: 2,
      leftOut: [],
    });
  }, 60_000);

  it('the same size, other bytes (re-encoded): the annotation is left as it is, nothing to review', async () => {
    const { root, p } = await project();
    const q = await replace(
      root,
      'b.png',
      await sharp(await png(200, 200))
        .png({ compressionLevel: 1 })
        .toBuffer(),
      p,
    );
    expect(q.sync.refits).toEqual([]);
    const b = await imageOf(q, 'b.png');
    expect(b.status).toBe('accepted');
    rmSync(path.join(root, 'gt.json'), { force: true });
  }, 60_000);
});
