// The heatmap-assisted corrections in the editor engine under Node, over a real project (studioHarness) whose
// photos carry the decode fixture cases' maps and decoded persons (fixtureMapsProject): the peaks there are where
// the ground truth's joints are, so every snap, candidate and flag has a known answer — the decoder's own output
// for the same maps (tolerance 0.5 px: the app reads the maps as float16 and flip-averaged, as the overlay does).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pose } from '../../src/core/codec/assign/toPoses.ts';
import { imageToScreen } from '../../src/core/geometry/viewport.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import type { EditorEngine } from '../../src/renderer/editor/editorEngine.ts';
import { fixtureMapsProject } from '../support/fixtureMapsProject.ts';
import { key, studio } from './studioHarness.ts';

let project: OpenProject;
let poses: Map<number, Pose[]>;
beforeEach(async () => {
  ({ project, poses } = await fixtureMapsProject(['37666']));
});
afterEach(async () => {
  await project.close();
});

const LEFT_WRIST = 9;
const SHIFT = { shift: true, alt: false, mod: false };
const NONE = { shift: false, alt: false, mod: false };

/** The engine with the image open and its predictions accepted (A): every person `model`, as after triage. */
async function accepted() {
  const s = studio(project);
  await s.engine.start();
  s.engine.handleKey(key('A'));
  await s.engine.edits.idle();
  const state = s.engine.annotation.get()!.state;
  return { ...s, state, ids: state.order };
}
const stored = async (id: string) => (await project.service.getAnnotation({ imageId: 1 })).state.persons[id];
const screen = (e: EditorEngine, x: number, y: number) => imageToScreen(e.view.viewport.get(), x, y);
/** A person with the joint placed, and where the decoder put it. */
function personWith(
  state: { order: string[]; persons: Record<string, { joints: ({ x: number; y: number } | null)[] }> },
  k: number,
) {
  const id = state.order.find(
    (i) => state.persons[i].joints[k] && state.persons[i].joints.filter(Boolean).length >= 8,
  )!;
  return { id, at: state.persons[id].joints[k]! };
}

describe('snap to peak', () => {
  it('a drag with Shift held shows the snap target and drops the joint on the refined peak, in one undo step', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    const [sx, sy] = screen(engine, at.x, at.y);
    engine.pointer.jointDown(id, LEFT_WRIST, sx, sy, 0);
    const [mx, my] = screen(engine, at.x + 5, at.y - 4);
    engine.pointer.move(mx, my, SHIFT);
    const target = engine.corrections.fix.snap.get();
    expect(target).not.toBeNull();
    expect(Math.hypot(target!.x - at.x, target!.y - at.y)).toBeLessThan(0.5);
    expect(target!.height).toBeGreaterThan(0.1);
    engine.pointer.up(mx, my, 0, true, SHIFT);
    await engine.edits.idle();
    const j = (await stored(id)).joints[LEFT_WRIST]!;
    expect([j.x, j.y]).toEqual([target!.x, target!.y]);
    expect(j.source).toBe('edited');
    expect(engine.corrections.fix.snap.get()).toBeNull();
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect((await stored(id)).joints[LEFT_WRIST]).toMatchObject({ x: at.x, y: at.y, source: 'model' });
  });

  it('without the modifier the joint lands where it is dropped; the modifier is a setting (Alt, always, off)', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    const drag = async (mods: typeof NONE) => {
      const cur = engine.annotation.get()!.state.persons[id].joints[LEFT_WRIST]!;
      engine.pointer.jointDown(id, LEFT_WRIST, ...screen(engine, cur.x, cur.y), 0);
      const [mx, my] = screen(engine, at.x + 6, at.y + 3);
      engine.pointer.move(mx, my, mods);
      engine.pointer.up(mx, my, 0, true, mods);
      await engine.edits.idle();
      return (await stored(id)).joints[LEFT_WRIST]!;
    };
    const plain = await drag(NONE);
    expect(plain.x).toBeCloseTo(at.x + 6, 6);
    engine.view.setCorrections({ snap: 'Alt' });
    expect((await drag(SHIFT)).x).toBeCloseTo(at.x + 6, 6);
    expect(Math.abs((await drag({ ...NONE, alt: true })).x - at.x)).toBeLessThan(0.5);
    engine.view.setCorrections({ snap: 'always' });
    expect(Math.abs((await drag(NONE)).x - at.x)).toBeLessThan(0.5);
    engine.view.setCorrections({ snap: 'off' });
    expect((await drag(SHIFT)).x).toBeCloseTo(at.x + 6, 6);
  });

  it('placing a missing joint with Shift puts it on the peak the preview shows', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    engine.select({ personId: id, joint: LEFT_WRIST });
    engine.handleKey(key('Delete'));
    await engine.edits.idle();
    engine.select({ personId: id, joint: LEFT_WRIST }, true);
    const [hx, hy] = screen(engine, at.x - 4, at.y + 5);
    engine.pointer.move(hx, hy, SHIFT);
    expect(engine.corrections.fix.snap.get()).toMatchObject({ joint: LEFT_WRIST });
    engine.pointer.down(hx, hy, 0);
    engine.pointer.up(hx, hy, 0, false, SHIFT);
    await engine.edits.idle();
    const j = (await stored(id)).joints[LEFT_WRIST]!;
    expect(Math.hypot(j.x - at.x, j.y - at.y)).toBeLessThan(0.5);
  });
});

describe('second guesses', () => {
  it("the selected joint's top-k peaks near its person, keys 1…k move it there (one undo step); 1 zooms 1:1 otherwise", async () => {
    // A crowded photo (14 persons): wrists of neighbours are second guesses.
    await project.close();
    ({ project, poses } = await fixtureMapsProject(['129648']));
    const { engine, state } = await accepted();
    const id = state.order.find((i) => {
      engine.select({ personId: i, joint: LEFT_WRIST });
      return state.persons[i].joints[LEFT_WRIST] && (engine.corrections.fix.candidates.get()?.peaks.length ?? 0) >= 2;
    })!;
    const at = state.persons[id].joints[LEFT_WRIST]!;
    engine.select({ personId: id, joint: LEFT_WRIST });
    const c = engine.corrections.fix.candidates.get()!;
    expect(c).toMatchObject({ personId: id, joint: LEFT_WRIST });
    expect(c.peaks.length).toBeGreaterThanOrEqual(2);
    expect(c.peaks.length).toBeLessThanOrEqual(3);
    expect(Math.hypot(c.peaks[0].x - at.x, c.peaks[0].y - at.y)).toBeLessThan(0.5);
    expect(c.peaks[0].height).toBeGreaterThanOrEqual(c.peaks[1].height);
    expect(engine.handleKey(key('2'))).toBe(true);
    await engine.edits.idle();
    expect((await stored(id)).joints[LEFT_WRIST]).toMatchObject({ x: c.peaks[1].x, y: c.peaks[1].y });
    engine.view.setCorrections({ topK: 1 });
    expect(engine.corrections.fix.candidates.get()?.peaks).toHaveLength(1);
    engine.view.clearSelection();
    expect(engine.corrections.fix.candidates.get()).toBeNull();
    engine.handleKey(key('1'));
    expect(engine.view.viewport.get().scale).toBe(1);
  });

  it('a missing joint is placed at candidate n', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    engine.select({ personId: id, joint: LEFT_WRIST });
    engine.handleKey(key('Delete'));
    await engine.edits.idle();
    engine.select({ personId: id, joint: LEFT_WRIST });
    const first = engine.corrections.fix.candidates.get()!.peaks[0];
    expect(Math.hypot(first.x - at.x, first.y - at.y)).toBeLessThan(0.5);
    engine.handleKey(key('1'));
    await engine.edits.idle();
    expect((await stored(id)).joints[LEFT_WRIST]).toMatchObject({ x: first.x, y: first.y, v: 2 });
  });
});

describe('flags', () => {
  it('a person with left and right swapped is flagged; L selects it, S fixes it and the flag goes', async () => {
    const { engine, state } = await accepted();
    await engine.corrections.flags.ready();
    expect(engine.corrections.flags.flags.get()!.items.filter((f) => f.kind === 'swap')).toEqual([]);
    const { id } = personWith(state, LEFT_WRIST);
    engine.select({ personId: id, joint: null });
    engine.handleKey(key('S'));
    await engine.edits.idle();
    await engine.corrections.flags.ready();
    const swaps = engine.corrections.flags.flags.get()!.items.filter((f) => f.kind === 'swap');
    expect(swaps.map((f) => f.personId)).toEqual([id]);
    engine.view.clearSelection();
    engine.handleKey(key('L'));
    expect(engine.view.selection.get().selection.personId).toBe(id);
    engine.handleKey(key('S'));
    await engine.edits.idle();
    await engine.corrections.flags.ready();
    expect(engine.corrections.flags.flags.get()!.items.filter((f) => f.kind === 'swap')).toEqual([]);
  });

  it('a joint moved 15 px off is flagged as a label error; L selects it and opens predicted vs target', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    engine.select({ personId: id, joint: LEFT_WRIST });
    const [sx, sy] = screen(engine, at.x, at.y);
    engine.pointer.jointDown(id, LEFT_WRIST, sx, sy, 0);
    const [mx, my] = screen(engine, at.x + 15, at.y);
    engine.pointer.move(mx, my);
    engine.pointer.up(mx, my, 0, true);
    await engine.edits.idle();
    await engine.corrections.flags.ready();
    const labels = engine.corrections.flags.flags.get()!.items.filter((f) => f.kind === 'label');
    const mine = labels.find((f) => f.personId === id && f.joint === LEFT_WRIST);
    expect(mine).toBeDefined();
    engine.view.clearSelection();
    for (let i = 0; i < labels.length && engine.corrections.flags.compare.get()?.joint !== LEFT_WRIST; i++)
      engine.handleKey(key('L'));
    expect(engine.view.selection.get().selection).toEqual({ personId: id, joint: LEFT_WRIST });
    const cmp = engine.corrections.flags.compare.get()!;
    const cur = engine.images.current.get()!.maps!;
    expect([cmp.target.height, cmp.target.width]).toEqual([cur.h, cur.w]);
    // The candidate key puts it back where the model sees it; the flag goes.
    engine.handleKey(key('1'));
    await engine.edits.idle();
    await engine.corrections.flags.ready();
    const after = engine.corrections.flags.flags.get()!.items;
    expect(after.some((f) => f.kind === 'label' && f.personId === id && f.joint === LEFT_WRIST)).toBe(false);
  });
});

describe('regroup', () => {
  it('holds the joint the reviewer touched and re-attaches what the assignment links to it; Enter applies it as one step, Esc discards', async () => {
    const { engine, state } = await accepted();
    const { id } = personWith(state, LEFT_WRIST);
    const original = state.persons[id].joints;
    // The wrist and elbow taken off, the shoulder touched (now held): the regroup proposes them back.
    for (const k of [LEFT_WRIST, 7]) {
      engine.select({ personId: id, joint: k });
      engine.handleKey(key('Delete'));
      await engine.edits.idle();
    }
    engine.select({ personId: id, joint: 5 });
    engine.handleKey(key('ArrowRight'));
    await engine.edits.idle();
    engine.handleKey(key('ArrowLeft'));
    await engine.edits.idle();
    const before = engine.annotation.get()!.state;
    expect(engine.handleKey(key('G', { shiftKey: true }))).toBe(true);
    await engine.corrections.regroup.pending;
    const pr = engine.corrections.regroup.proposal.get()!;
    expect(pr.ms).toBeLessThan(100);
    const proposed = pr.diff.updated[id]![1].joints;
    for (const k of [LEFT_WRIST, 7])
      expect(Math.hypot(proposed[k]!.x - original[k]!.x, proposed[k]!.y - original[k]!.y)).toBeLessThan(0.5);
    engine.handleKey(key('Escape'));
    expect(engine.corrections.regroup.proposal.get()).toBeNull();
    expect(engine.annotation.get()!.state).toBe(before);
    // Enter while the regroup still runs (off the page's thread) waits for the proposal: it must not reach the
    // review keys, where Enter accepts the image.
    engine.handleKey(key('G', { shiftKey: true }));
    expect(engine.corrections.regroup.running()).toBe(true);
    expect(engine.handleKey(key('Enter'))).toBe(true);
    await engine.corrections.regroup.pending;
    expect(engine.images.current.get()!.row.status).not.toBe('accepted');
    engine.handleKey(key('Enter'));
    await engine.edits.idle();
    expect((await stored(id)).joints[LEFT_WRIST]).toMatchObject({ source: 'model' });
    expect(engine.images.current.get()!.row.status).not.toBe('accepted');
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect((await stored(id)).joints[LEFT_WRIST]).toBeNull();
  });
});

describe('move, merge, split', () => {
  it('arrows move the selected person (Shift: 10 px), Mod-drag moves it with the mouse, each one undo step', async () => {
    const { engine, state } = await accepted();
    const { id, at } = personWith(state, LEFT_WRIST);
    const nose0 = state.persons[id].joints.find(Boolean)!;
    engine.select({ personId: id, joint: null });
    engine.handleKey(key('ArrowRight'));
    engine.handleKey(key('ArrowDown', { shiftKey: true }));
    await engine.edits.idle();
    expect((await stored(id)).joints.find(Boolean)).toMatchObject({ x: nose0.x + 1, y: nose0.y + 10 });
    engine.pointer.jointDown(id, LEFT_WRIST, ...screen(engine, at.x + 1, at.y + 10), 0, { ...NONE, mod: true });
    const [mx, my] = screen(engine, at.x + 21, at.y + 10);
    engine.pointer.move(mx, my);
    engine.pointer.up(mx, my, 0, true);
    await engine.edits.idle();
    const moved = await stored(id);
    expect(moved.joints.find(Boolean)!.x).toBeCloseTo(nose0.x + 21, 6);
    expect(moved.joints[LEFT_WRIST]!.x).toBeCloseTo(at.x + 21, 6);
    for (let i = 0; i < 3; i++) engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect((await stored(id)).joints).toEqual(state.persons[id].joints);
    // The Electron menu sends the command's id: the same command, without its key (1 px).
    engine.runCommandId('correct.moveLeft');
    await engine.edits.idle();
    expect((await stored(id)).joints.find(Boolean)).toMatchObject({ x: nose0.x - 1, y: nose0.y });
    expect(engine.notices.message.get()).not.toMatch(/No command/);
  });

  it('T marks joints and Enter splits them off; U and a click on the other merges them back; one undo step each', async () => {
    const { engine, state } = await accepted();
    const { id } = personWith(state, LEFT_WRIST);
    engine.select({ personId: id, joint: 7 });
    engine.handleKey(key('T'));
    engine.select({ personId: id, joint: LEFT_WRIST });
    engine.handleKey(key('T'));
    expect(engine.corrections.persons.mode.get()).toEqual({ kind: 'split', personId: id, joints: [7, LEFT_WRIST] });
    engine.handleKey(key('Enter'));
    await engine.edits.idle();
    const split = engine.annotation.get()!.state;
    const newId = split.order.find((i) => !state.persons[i])!;
    expect(split.persons[newId].joints.flatMap((j, k) => (j ? [k] : []))).toEqual([7, LEFT_WRIST]);
    expect(split.persons[id].joints[LEFT_WRIST]).toBeNull();
    engine.select({ personId: id, joint: null });
    engine.handleKey(key('U'));
    const w = split.persons[newId].joints[LEFT_WRIST]!;
    engine.pointer.jointDown(newId, LEFT_WRIST, ...screen(engine, w.x, w.y), 0);
    await engine.edits.idle();
    const merged = await stored(id);
    expect(merged.joints.map((j) => j && [j.x, j.y])).toEqual(state.persons[id].joints.map((j) => j && [j.x, j.y]));
    expect((await project.service.getAnnotation({ imageId: 1 })).state.persons[newId]).toBeUndefined();
    engine.handleKey(key('z', { ctrlKey: true }));
    await engine.edits.idle();
    expect((await project.service.getAnnotation({ imageId: 1 })).state.persons[newId]).toBeDefined();
  });
});

it('the fixture decodes persons to correct (the test data is what it claims)', () => {
  expect(poses.get(1)!.filter((p) => p.joints.filter(Boolean).length >= 8).length).toBeGreaterThanOrEqual(1);
});
