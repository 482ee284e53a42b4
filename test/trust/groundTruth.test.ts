// What an export takes, through the real service and CLI over a real project (a folder of photos, a run written as
// a detection would): the "silently wrong ground truth" cases at the service level.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { gridPoses, insertRun } from '../support/predictions.ts';
import { validateCocoGt, validateCocoResults } from '../../src/core/coco/validateCoco.ts';
import { createKeypointEvaluator } from '../../src/core/eval/cocoEval.ts';
import { acceptPredictions, addPerson, cycleVisibility } from '../../src/core/edit/poseEdits.ts';
import { main } from '../../src/cli/main.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';

let project: OpenProject;
afterEach(() => project?.close());

const cli = async (...argv: string[]) => {
  const out: string[] = [],
    err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
};
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Six photos with 2 predicted persons each; image 1 accepted with its persons, 2 "no person", 3 edited only. */
async function reviewedProject() {
  project = await photoProject(6, 120, 90);
  const s = project.service;
  const poses = new Map([1, 2, 3, 4, 5, 6].map((id) => [id, gridPoses(2, 120, 90, 0.92, 0.95)]));
  insertRun(project.db, poses);
  const save = async (imageId: number, diff: Parameters<typeof s.saveEdits>[0]['steps'][0] & { kind: 'do' }) => {
    const a = await s.getAnnotation({ imageId });
    await s.saveEdits({ imageId, revision: a.revision, steps: [diff] });
  };
  const first = acceptPredictions({ persons: {}, order: [] }, poses.get(1)!, (i) => `p${i}`);
  await save(1, { kind: 'do', diff: first, label: 'accept' });
  await s.setStatus({ imageId: 1, status: 'accepted' });
  await s.setStatus({ imageId: 2, status: 'no_person' });
  await save(3, {
    kind: 'do',
    diff: acceptPredictions({ persons: {}, order: [] }, poses.get(3)!, (i) => `q${i}`),
    label: 'a',
  });
  // Images 4..6 are only viewed (what opening an image asks the server for).
  for (const imageId of [4, 5, 6]) {
    await s.getAnnotation({ imageId });
    await s.getPredictions({ imageId });
  }
  return s;
}

describe('review statuses: viewing is not reviewing', () => {
  it('opening an image changes nothing; the first saved edit makes an unreviewed image "in progress", only that', async () => {
    const s = await reviewedProject();
    const status = async () => (await s.listImages({})).images.map((r) => r.status);
    expect(await status()).toEqual(['accepted', 'no_person', 'in_progress', 'unreviewed', 'unreviewed', 'unreviewed']);
    // An edit of an accepted image keeps it accepted (the reviewer's own decision).
    const a = await s.getAnnotation({ imageId: 1 });
    await s.saveEdits({
      imageId: 1,
      revision: a.revision,
      steps: [{ kind: 'do', diff: cycleVisibility(a.state, 'p0', 0), label: 'v' }],
    });
    expect((await status())[0]).toBe('accepted');
  });
});

describe('what gets exported', () => {
  it('by default (UI and CLI alike) the established ground truth: never an image that only has predictions or was opened', async () => {
    const s = await reviewedProject();
    const dir = project.root;
    const ui = path.join(dir, 'ui.json');
    const r = await s.exportCoco({ path: ui, onlyReviewed: false, kind: 'gt' });
    expect(r).toMatchObject({ images: 2, annotations: 2, emptyPersons: 0 });
    const c = await cli('export', '--project', project.db.name, '--out', path.join(dir, 'cli.json'));
    expect(c.out[0]).toMatch(/^wrote 2 images and 2 persons \(established ground truth\)/);
    expect(json(path.join(dir, 'cli.json'))).toEqual(json(ui));
    expect(json(ui).images.map((i: { file_name: string }) => i.file_name)).toEqual([
      'photos/img000.png',
      'photos/img001.png',
    ]);
  });
  it('--all takes every image and records its review status; --all with --only-reviewed is refused', async () => {
    const s = await reviewedProject();
    const out = path.join(project.root, 'all.json');
    expect((await cli('export', '--project', project.db.name, '--out', out, '--all')).code).toBe(0);
    const all = json(out);
    expect(all.images.map((i: { review_status: string }) => i.review_status)).toEqual([
      'accepted',
      'no_person',
      'in_progress',
      'unreviewed',
      'unreviewed',
      'unreviewed',
    ]);
    expect(validateCocoGt(all).filter((v) => v.severity === 'error')).toEqual([]);
    const both = await cli('export', '--project', project.db.name, '--out', out, '--all', '--only-reviewed');
    expect([both.code, both.err[0]]).toEqual([2, expect.stringMatching(/either only the reviewed images or all/)]);
    await expect(s.exportCoco({ path: out, onlyReviewed: true, all: true, kind: 'gt' })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
  it('an --all file imported again establishes only what it says was reviewed, and no export keeps a stale status', async () => {
    const s = await reviewedProject();
    const all = path.join(project.root, 'all.json');
    expect((await cli('export', '--project', project.db.name, '--out', all, '--all')).code).toBe(0);
    // Imported into a project of the same photos (here the same one): the only-predicted and opened images must
    // not become person-free ground truth, and the file's statuses are not this project's.
    const imported = await s.importCoco({ path: all });
    expect(imported.images).toBe(6);
    const out = path.join(project.root, 'after.json');
    const names = (f: string) => json(f).images.map((i: { file_name: string }) => i.file_name);
    await s.exportCoco({ path: out, onlyReviewed: false, kind: 'gt' });
    expect(names(out)).toEqual(['photos/img000.png', 'photos/img001.png']);
    await s.setStatus({ imageId: 4, status: 'no_person' });
    await s.setStatus({ imageId: 1, status: 'rejected' });
    await s.exportCoco({ path: out, onlyReviewed: false, kind: 'gt' });
    expect(names(out)).toEqual(['photos/img001.png', 'photos/img003.png']);
    expect(json(out).images.map((i: { review_status?: string }) => i.review_status)).toEqual([undefined, undefined]);
    await s.exportCoco({ path: out, onlyReviewed: false, all: true, kind: 'gt' });
    expect(json(out).images.map((i: { review_status: string }) => i.review_status)).toEqual([
      'rejected',
      'no_person',
      'in_progress',
      'no_person',
      'unreviewed',
      'unreviewed',
    ]);
  });
  it("--results --only-reviewed writes the reviewed images' detections only, with the decoder's scores, and the pair evaluates", async () => {
    await reviewedProject();
    const gt = path.join(project.root, 'gt.json'),
      res = path.join(project.root, 'res.json');
    await cli('export', '--project', project.db.name, '--out', gt, '--only-reviewed');
    const r = await cli('export', '--project', project.db.name, '--out', res, '--results', '--only-reviewed');
    expect(r.out[0]).toMatch(/^wrote 4 detections of run 1 on 2 images \(reviewed images\)/);
    const g = json(gt),
      d = json(res);
    expect(validateCocoResults(d, new Set(g.images.map((i: { id: number }) => i.id)))).toEqual([]);
    expect(d.map((x: { score: number }) => x.score)).toEqual([0.95, 0.92, 0.95, 0.92]);
    expect(createKeypointEvaluator(g, d).stats(g.images.map((i: { id: number }) => i.id)).AP).toBeGreaterThan(0.5);
    const e = await cli('eval', '--gt', gt, '--results', res, '--json');
    expect(e.code).toBe(0);
    const every = await cli('export', '--project', project.db.name, '--out', res, '--results', '--all');
    expect(every.out[0]).toMatch(/^wrote 12 detections of run 1 on 6 images/);
  });
  it('a person with no labelled joint is never exported (counted); a joint at v = 0 exports as 0, 0, 0', async () => {
    const s = await reviewedProject();
    let a = await s.getAnnotation({ imageId: 1 });
    await s.saveEdits({
      imageId: 1,
      revision: a.revision,
      steps: [
        { kind: 'do', diff: addPerson(a.state, 'empty'), label: 'add' },
        { kind: 'do', diff: cycleVisibility(a.state, 'p0', 4), label: 'v' },
      ],
    });
    a = await s.getAnnotation({ imageId: 1 });
    await s.saveEdits({
      imageId: 1,
      revision: a.revision,
      steps: [{ kind: 'do', diff: cycleVisibility(a.state, 'p0', 4), label: 'v' }],
    });
    a = await s.getAnnotation({ imageId: 1 });
    expect(a.state.persons.p0.joints[4]).toMatchObject({ v: 0 });
    const out = path.join(project.root, 'x.json');
    const r = await s.exportCoco({ path: out, onlyReviewed: false, kind: 'gt' });
    expect(r).toMatchObject({ annotations: 2, emptyPersons: 1 });
    const ann = json(out).annotations[0];
    expect(ann.keypoints.slice(12, 15)).toEqual([0, 0, 0]);
    expect(ann.num_keypoints).toBe(16);
    const c = await cli('export', '--project', project.db.name, '--out', out);
    expect(c.out[0]).toMatch(/; 1 person without any labelled joint left out$/);
  });
});

describe('review settings', () => {
  it("the score threshold is the project's: default until set, kept in the database, refused out of range", async () => {
    project = await photoProject(1);
    const s = project.service;
    expect(await s.getReviewSettings({})).toEqual({ personScoreThreshold: 0.9, isDefault: true });
    expect(await s.setReviewSettings({ personScoreThreshold: 0.35 })).toEqual({
      personScoreThreshold: 0.35,
      isDefault: false,
    });
    const root = project.root;
    project.close();
    const { openProjectFolder } = await import('../../src/node/project/openProjectFolder.ts');
    project = await openProjectFolder(root);
    expect(await project.service.getReviewSettings({})).toEqual({ personScoreThreshold: 0.35, isDefault: false });
    await expect(project.service.setReviewSettings({ personScoreThreshold: 2 })).rejects.toThrow(
      /from -1000 to 1 .*got "2"/,
    );
    expect((await project.service.setReviewSettings({ personScoreThreshold: null })).isDefault).toBe(true);
  });
});
