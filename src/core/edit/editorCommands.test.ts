import { describe, expect, it } from 'vitest';
import { commandForKey, EDITOR_COMMANDS, shortcutConflicts, type EditorContext } from './editorCommands.ts';
import { acceptPredictions } from './poseEdits.ts';
import { applyDiff } from './recordDiff.ts';
import { EMPTY_ANNOTATION } from './poseRecords.ts';

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
const ctx = (over: Partial<EditorContext> = {}): EditorContext => ({
  state: applyDiff(
    EMPTY_ANNOTATION,
    acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
  ),
  selection: { personId: 'p0', joint: 0 },
  predictions: [pose],
  canUndo: true,
  canRedo: false,
  newPersonId: (i) => `n${i}`,
  ...over,
});
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
    expect(byId('image.accept').run(ctx({ state: EMPTY_ANNOTATION }))).toEqual({
      review: 'no_person',
      navigate: 'next',
    });
    expect(byId('history.redo').isEnabled(c)).toBe(false);
    expect(byId('joint.delete').isEnabled(ctx({ selection: { personId: 'p0', joint: 4 } }))).toBe(false);
    const add = byId('person.add').run(c);
    expect(applyDiff(c.state, add.diff!).order).toEqual(['p0', 'n1']);
  });
});
