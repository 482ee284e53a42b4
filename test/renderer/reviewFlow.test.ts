// The review flow and per-person triage in the editor engine under Node, over a real project whose images have
// predictions (a finished run written as detection writes it): the question before accepting undecided
// predictions, empty persons, the threshold, accepting/rejecting one person, dragging a predicted joint, resuming.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { gridPoses, insertRun } from '../support/predictions.ts';
import { jointChannel } from '../../src/renderer/editor/viewState.ts';
import { key, photoProject, settle, studio } from './studioHarness.ts';

let project: OpenProject;
const W = 200,
  H = 150;
beforeEach(async () => {
  project = await photoProject(3, W, H);
  // Every image: six predicted persons scored 0.99, 0.892, 0.794, 0.696, 0.598, 0.5.
  insertRun(project.db, new Map([1, 2, 3].map((id) => [id, gridPoses(6, W, H, 0.5, 0.99)])));
});
afterEach(() => project.close());

const stored = (imageId = 1) => project.service.getAnnotation({ imageId });
const status = async () => (await project.service.listImages({})).images.map((r) => r.status);

describe('accepting an image with undecided predictions asks once', () => {
  it('Enter asks (nothing changes), Esc cancels; Enter then A accepts them too and the image, one undo step', async () => {
    const { engine } = studio(project);
    await engine.start();
    const pending = engine.triage.get()!.pending.length;
    expect(pending).toBe(1); // 0.99 only: the others are below the project's threshold (0.9)
    await engine.settings.setThreshold(0.6);
    expect(engine.triage.get()!.pending).toHaveLength(4);
    engine.handleKey(key('Enter'));
    expect(engine.flow.prompt.get()).toEqual({ review: 'accepted', pending: 4 });
    expect(engine.handleKey(key('p'))).toBe(true); // held back while the question is open
    engine.handleKey(key('Escape'));
    await settle();
    expect(engine.flow.prompt.get()).toBeNull();
    expect(await status()).toEqual(['unreviewed', 'unreviewed', 'unreviewed']);
    expect((await stored()).state.order).toEqual([]);
    engine.handleKey(key('Enter'));
    engine.handleKey(key('a'));
    await expect.poll(() => engine.images.status.get().index).toBe(1);
    expect((await status())[0]).toBe('accepted');
    const a = await stored();
    expect(a.state.order).toHaveLength(4);
    expect(a.history.entries.map((e) => e.label)).toEqual(['Accept 4 predictions']);
  });

  it('Enter then D drops them (rejected, kept as decisions) and marks the image "no person"; R asks, K never does', async () => {
    const { engine } = studio(project);
    await engine.start();
    engine.handleKey(key('Enter'));
    engine.handleKey(key('d'));
    await expect.poll(() => engine.images.status.get().index).toBe(1);
    expect((await status())[0]).toBe('no_person');
    expect((await stored()).state.rejectedPredictions).toHaveLength(1);
    engine.handleKey(key('r'));
    expect(engine.flow.prompt.get()).toEqual({ review: 'rejected', pending: 1 });
    engine.handleKey(key('r'));
    await expect.poll(() => engine.images.status.get().index).toBe(2);
    expect((await status())[1]).toBe('rejected');
    expect((await stored(2)).state).toEqual({ persons: {}, order: [] }); // nothing dropped: still pending there
    engine.handleKey(key('k'));
    await expect.poll(async () => (await status())[2]).toBe('skipped');
    expect(engine.flow.prompt.get()).toBeNull();
    // Back on image 1: the rejection is there, undo brings the prediction back as pending.
    await engine.openIndex(0);
    expect(engine.triage.get()!.counts).toMatchObject({ rejected: 1, pending: 0 });
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect(engine.triage.get()!.counts).toMatchObject({ rejected: 0, pending: 1 });
  });
});

describe('empty persons', () => {
  it('P then Esc: the person with no joint is removed (its own undo step); P then Enter: "no person", nothing kept', async () => {
    await project.service.setReviewSettings({ personScoreThreshold: 1 }); // no prediction pending here
    const { engine } = studio(project);
    await engine.start();
    engine.handleKey(key('p'));
    await engine.edits.idle();
    expect(engine.annotation.get()!.state.order).toHaveLength(1);
    engine.handleKey(key('Escape'));
    await engine.edits.idle();
    expect((await stored()).state.order).toEqual([]);
    expect(engine.notices.message.get()).toBeNull();
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect(engine.notices.message.get()).toBe('Undid: Remove empty person');
    expect((await stored()).state.order).toHaveLength(1);
    engine.handleKey(key('p'));
    engine.handleKey(key('Enter'));
    await expect.poll(() => engine.images.status.get().index).toBe(1);
    expect((await status())[0]).toBe('no_person');
    expect((await stored()).state.order).toEqual([]);
    const file = `${project.root}/x.json`;
    expect(await project.service.exportCoco({ path: file, onlyReviewed: false, kind: 'gt' })).toMatchObject({
      images: 1,
      annotations: 0,
    });
  });
});

describe('per-person triage', () => {
  it('N, Y and X decide one predicted person each and move on; A accepts what the threshold shows; G hides them', async () => {
    await project.service.setReviewSettings({ personScoreThreshold: 0.7 });
    const { engine } = studio(project);
    await engine.start();
    const keys = engine.triage.get()!.pending.map((t) => t.key);
    expect(keys).toHaveLength(3);
    engine.handleKey(key('n'));
    expect(engine.view.selection.get().prediction).toBe(keys[0]);
    engine.handleKey(key('y'));
    await engine.edits.idle();
    expect(engine.view.selection.get().prediction).toBe(keys[1]);
    engine.handleKey(key('x'));
    await engine.edits.idle();
    expect(engine.view.selection.get().prediction).toBe(keys[2]);
    const a = await stored();
    expect(a.state.order).toHaveLength(1);
    expect(a.state.persons[a.state.order[0]].score).toBe(0.99);
    expect(a.state.rejectedPredictions).toEqual([keys[1]]);
    expect(engine.triage.get()!.counts).toMatchObject({ taken: 1, rejected: 1, pending: 1, below: 3 });
    engine.handleKey(key('g'));
    expect(engine.view.triage.get().showPredictions).toBe(false);
    engine.handleKey(key('a')); // hidden: nothing is accepted
    await engine.edits.idle();
    expect((await stored()).state.order).toHaveLength(1);
    engine.handleKey(key('g'));
    engine.handleKey(key('a'));
    await engine.edits.idle();
    expect((await stored()).state.order).toHaveLength(2);
    expect((await status())[0]).toBe('in_progress'); // the first edit did that, not the opening
  });

  it('a click selects the predicted person under it; dragging its joint accepts it and moves the joint: one undo step', async () => {
    await project.service.setReviewSettings({ personScoreThreshold: 0.9 });
    const { engine } = studio(project);
    await engine.start();
    const [t] = engine.triage.get()!.pending;
    const j = t.pose.joints[5]!;
    await engine.gestures.clickImage(j.x + 1, j.y);
    expect(engine.view.selection.get().prediction).toBe(t.key);
    // Hovering a predicted joint shows its channel (the "hovered joint selects its channel" option is on).
    engine.view.hoverJoint({ personId: `pred:${t.key}`, joint: 5 });
    expect(engine.view.heatmap.get().channel).toBe(jointChannel(5)); // the left shoulder's keypoint map
    const v = engine.view.viewport.get();
    const sx = j.x * v.scale + v.offsetX,
      sy = j.y * v.scale + v.offsetY;
    engine.pointer.jointDown(`pred:${t.key}`, 5, sx, sy, 0);
    engine.pointer.move(sx + 20, sy + 10);
    engine.pointer.release();
    await engine.edits.idle();
    const a = await stored();
    const [id] = a.state.order;
    const moved = a.state.persons[id].joints[5]!;
    expect(moved).toMatchObject({ source: 'edited', model: { x: j.x, y: j.y } });
    expect(moved.x).toBeCloseTo(j.x + 20 / v.scale, 9); // screen px → image px (tolerance: float rounding)
    expect(moved.y).toBeCloseTo(j.y + 10 / v.scale, 9);
    expect(a.history.entries.map((e) => e.label)).toEqual(['Drag a predicted joint (accepts its person)']);
    expect(engine.triage.get()!.counts.taken).toBe(1);
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect((await stored()).state.order).toEqual([]);
    expect(engine.triage.get()!.pending.map((x) => x.key)).toEqual([t.key]);
    // A drag cancelled (Esc) before release changes nothing at all.
    engine.pointer.jointDown(`pred:${t.key}`, 5, sx, sy, 0);
    engine.pointer.move(sx + 20, sy + 10);
    engine.handleKey(key('Escape'));
    await engine.edits.idle();
    expect((await stored()).history.length).toBe(1);
    expect((await stored()).state.order).toEqual([]);
  });
});

describe('where the window was', () => {
  it('a reload resumes at the image and filter left; a filter change keeps the open image when it still lists it', async () => {
    const first = studio(project);
    await first.engine.start();
    await first.engine.openIndex(2);
    await first.engine.setFilter({ order: 'file', status: 'unreviewed' });
    expect(first.engine.images.current.get()!.row.id).toBe(3);
    expect(first.engine.images.status.get().index).toBe(2);
    first.engine.notices.say('Redid: Add person');
    await first.engine.openIndex(1);
    expect(first.engine.notices.message.get()).toBeNull(); // a message about one image does not stay over the next
    const again = studio(project, { prefsText: first.prefs.text! });
    await again.engine.start();
    expect(again.engine.images.current.get()!.row.id).toBe(2);
    expect(again.engine.list.filter).toEqual({ order: 'file', status: 'unreviewed' });
    // A filter that leaves the image out opens the first it lists.
    await again.engine.setFilter({ order: 'file', minScore: 5 });
    expect(again.engine.list.total).toBe(0);
    await again.engine.setFilter({ order: 'file' });
    expect(again.engine.images.status.get().index).toBe(0);
  });
});
