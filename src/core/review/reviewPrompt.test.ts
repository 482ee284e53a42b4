import { describe, expect, it } from 'vitest';
import type { Pose } from '../codec/assign/toPoses.ts';
import type { EditorContext } from '../edit/editorCommands.ts';
import { addPerson, placeJoint } from '../edit/poseEdits.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../edit/poseRecords.ts';
import { applyDiff } from '../edit/recordDiff.ts';
import { triagePredictions } from './predictionTriage.ts';
import { promptChoiceForKey, promptOptions, removeEmptyPersons, resolvePrompt } from './reviewPrompt.ts';

const pose = (dx: number): Pose => ({
  score: 0.95,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => ({ x: 50 + dx + k, y: 30 + 5 * k, score: 0.7 })),
});
const ctx = (state: AnnotationState): EditorContext => ({
  state,
  selection: { personId: null, joint: null },
  triage: triagePredictions(state, [pose(0), pose(200)], 0.9),
  prediction: null,
  predictionsShown: true,
  canUndo: false,
  canRedo: false,
  newPersonId: (i) => `n${i}`,
});
const key = (k: string) => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false });

describe('the review question', () => {
  const q = { review: 'accepted' as const, pending: 2 };
  it('keys pick its options (A, D, Esc); other keys pick nothing', () => {
    expect(promptOptions(q).map((o) => o.choice)).toEqual(['acceptAll', 'dropAll', 'cancel']);
    expect(promptChoiceForKey(q, key('a'))).toBe('acceptAll');
    expect(promptChoiceForKey(q, key('d'))).toBe('dropAll');
    expect(promptChoiceForKey(q, key('Escape'))).toBe('cancel');
    expect(promptChoiceForKey(q, key('Enter'))).toBeNull(); // a second Enter never decides
    expect(promptChoiceForKey({ review: 'rejected', pending: 1 }, key('r'))).toBe('reject');
  });
  it('accept them too: one diff adding both, then accepted; drop them: rejected, then "no person"', () => {
    const c = ctx(EMPTY_ANNOTATION);
    const yes = resolvePrompt(c, q, 'acceptAll');
    expect(Object.keys(yes.diff!.added)).toEqual(['n0', 'n1']);
    expect(yes).toMatchObject({ review: 'accepted', navigate: 'next', label: 'Accept 2 predictions' });
    const drop = resolvePrompt(c, q, 'dropAll');
    expect(applyDiff(EMPTY_ANNOTATION, drop.diff!).rejectedPredictions).toHaveLength(2);
    expect(drop).toMatchObject({ review: 'no_person', navigate: 'next' });
    expect(resolvePrompt(c, q, 'cancel')).toEqual({});
  });
  it('empty persons: removed in one diff, a person with a labelled joint stays', () => {
    let s = applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'e'));
    s = applyDiff(s, addPerson(s, 'f'));
    s = applyDiff(s, placeJoint(s, 'f', 3, 10, 10));
    expect(Object.keys(removeEmptyPersons(s).removed)).toEqual(['e']);
    expect(resolvePrompt(ctx(s), q, 'dropAll').review).toBe('accepted'); // f is a person
  });
});
