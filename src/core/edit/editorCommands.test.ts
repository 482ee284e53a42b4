import { describe, expect, it } from 'vitest';
import { commandForKey, EDITOR_COMMANDS, shortcutConflicts, type EditorContext } from './editorCommands.ts';
import { acceptPredictions } from './poseEdits.ts';
import { applyDiff } from './recordDiff.ts';
import { EMPTY_ANNOTATION } from './poseRecords.ts';
import { triagePredictions } from '../review/predictionTriage.ts';

const pose = {
  score: 0.9,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => (k === 4 ? null : { x: k, y: k, score: 0.5 })),
};
const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});
const ctx = (over: Partial<EditorContext> = {}): EditorContext => {
  const state = over.state ?? applyDiff(EMPTY_ANNOTATION, acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'));
  return {
    state,
    selection: { personId: 'p0', joint: 0 },
    triage: triagePredictions(state, [pose], 0.5),
    prediction: null,
    predictionsShown: true,
    canUndo: true,
    canRedo: false,
    newPersonId: (i) => `n${i}`,
    ...over,
  };
};
const byId = (id: string) => EDITOR_COMMANDS.find((c) => c.id === id)!;

describe('editor commands', () => {
  it('have unique shortcuts and map key presses (Mod = Ctrl, ⌘ on macOS)', () => {
    expect(shortcutConflicts()).toEqual([]);
    expect(commandForKey(key('Tab'), false, EDITOR_COMMANDS)?.id).toBe('joint.next');
    expect(commandForKey(key('Tab', { shiftKey: true }), false, EDITOR_COMMANDS)?.id).toBe('joint.previous');
    expect(commandForKey(key('z', { ctrlKey: true }), false, EDITOR_COMMANDS)?.id).toBe('history.undo');
    expect(commandForKey(key('z', { metaKey: true }), true, EDITOR_COMMANDS)?.id).toBe('history.undo');
    expect(commandForKey(key('Z', { metaKey: true, shiftKey: true }), true, EDITOR_COMMANDS)?.id).toBe('history.redo');
    expect(commandForKey(key('v'), false, EDITOR_COMMANDS)?.id).toBe('joint.cycleVisibility');
    expect(commandForKey(key('q'), false, EDITOR_COMMANDS)).toBeNull();
  });
  it('Tab walks joints; M jumps to the next missing joint and arms placing', () => {
    expect(byId('joint.next').run(ctx()).selection).toEqual({ personId: 'p0', joint: 1 });
    expect(byId('joint.nextMissing').run(ctx())).toMatchObject({
      selection: { personId: 'p0', joint: 4 },
      placeMode: true,
    });
  });
  it('edit commands produce diffs; review commands set status and go next; enabled states follow the context', () => {
    const c = ctx();
    const vis = byId('joint.cycleVisibility').run(c);
    expect(applyDiff(c.state, vis.diff!).persons.p0.joints[0]?.v).toBe(1);
    expect(byId('image.accept').run(c)).toEqual({ review: 'accepted', navigate: 'next' });
    const none = { state: EMPTY_ANNOTATION, triage: triagePredictions(EMPTY_ANNOTATION, [], 0.5) };
    expect(byId('image.accept').run(ctx(none))).toEqual({ review: 'no_person', navigate: 'next' });
    // An empty person (nothing labelled) is not a person: the image has nobody.
    const empty = applyDiff(EMPTY_ANNOTATION, byId('person.add').run(ctx(none)).diff!);
    expect(byId('image.accept').run(ctx({ ...none, state: empty }))).toMatchObject({ review: 'no_person' });
    expect(byId('history.redo').isEnabled(c)).toBe(false);
    expect(byId('joint.delete').isEnabled(ctx({ selection: { personId: 'p0', joint: 4 } }))).toBe(false);
    const add = byId('person.add').run(c);
    expect(applyDiff(c.state, add.diff!).order).toEqual(['p0', 'n1']);
  });
});

describe('review and triage commands', () => {
  const state = EMPTY_ANNOTATION;
  const pending = (over: Partial<EditorContext> = {}) =>
    ctx({ state, triage: triagePredictions(state, [pose, { ...pose, score: 0.7 }], 0.5), ...over });
  it('Enter and R with pending predictions ask first; K never asks (nothing changes)', () => {
    expect(byId('image.accept').run(pending())).toEqual({ ask: { review: 'accepted', pending: 2 } });
    expect(byId('image.reject').run(pending())).toEqual({ ask: { review: 'rejected', pending: 2 } });
    expect(byId('image.skip').run(pending())).toEqual({ review: 'skipped', navigate: 'next' });
    // Below the threshold a prediction is not pending: nothing to ask.
    const high = ctx({ state, triage: triagePredictions(state, [pose], 0.95) });
    expect(byId('image.accept').run(high)).toEqual({ review: 'no_person', navigate: 'next' });
    expect(byId('image.acceptPredictions').isEnabled(high)).toBe(false);
  });
  it('N selects pending predictions by score; Y accepts the selected one, X rejects it, each then selects the next', () => {
    const c = pending();
    const [first, second] = c.triage.pending;
    expect(first.pose.score).toBe(0.9);
    expect(byId('prediction.next').run(c)).toEqual({ prediction: first.key });
    expect(byId('prediction.accept').isEnabled(c)).toBe(false); // nothing selected
    const y = byId('prediction.accept').run(pending({ prediction: first.key }));
    expect(y.prediction).toBe(second.key);
    const after = applyDiff(state, y.diff!);
    expect(after.order).toEqual(['n0']);
    expect(after.persons.n0).toMatchObject({ score: 0.9, joints: expect.arrayContaining([null]) });
    const x = byId('prediction.reject').run(pending({ prediction: second.key }));
    expect(applyDiff(state, x.diff!).rejectedPredictions).toEqual([second.key]);
    const all = byId('image.acceptPredictions').run(pending());
    expect(Object.keys(all.diff!.added)).toHaveLength(2);
    expect(all.label).toBe('Accept 2 predictions');
    expect(byId('image.acceptPredictions').isEnabled(pending({ predictionsShown: false }))).toBe(false);
  });
});
