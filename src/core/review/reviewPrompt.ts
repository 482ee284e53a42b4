import type { CommandEffect, EditorContext, KeyLike } from '../edit/editorCommands.ts';
import { isEmptyPerson, type AnnotationState } from '../edit/poseRecords.ts';
import { emptyDiff, type RecordDiff } from '../edit/recordDiff.ts';
import { deletePerson } from '../edit/poseEdits.ts';
import { acceptTriaged, rejectTriaged } from './predictionTriage.ts';

/**
 * The one question the review asks, inline and by keyboard: accepting (or rejecting) an image whose predictions
 * nobody decided would leave them out of the ground truth without a word, so it asks once — accept them too, drop
 * them, or cancel. Skipping never asks: it changes nothing, and the predictions stay pending.
 */
export interface ReviewQuestion {
  review: 'accepted' | 'rejected';
  pending: number;
}

export type PromptChoice = 'acceptAll' | 'dropAll' | 'reject' | 'cancel';

export interface PromptOption {
  choice: PromptChoice;
  /** The key that picks it (as KeyboardEvent.key, upper-cased letters). */
  key: string;
  label: string;
}

/** The options of a question, in the order shown. */
export function promptOptions(q: ReviewQuestion): PromptOption[] {
  const them = q.pending === 1 ? 'it' : 'them';
  return q.review === 'accepted'
    ? [
        { choice: 'acceptAll', key: 'A', label: `Accept ${them} too, then the image` },
        { choice: 'dropAll', key: 'D', label: `Drop ${them} (rejected), then accept the image` },
        { choice: 'cancel', key: 'Escape', label: 'Cancel' },
      ]
    : [
        { choice: 'reject', key: 'R', label: 'Reject the image (its predictions stay undecided)' },
        { choice: 'cancel', key: 'Escape', label: 'Cancel' },
      ];
}

/** The option a key press picks while the question is open (other keys pick nothing). */
export function promptChoiceForKey(q: ReviewQuestion, e: KeyLike): PromptChoice | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  return promptOptions(q).find((o) => o.key === key)?.choice ?? null;
}

/** The question in words: "This image has 5 predicted persons nobody decided." */
export function promptText(q: ReviewQuestion): string {
  const n = q.pending;
  const what = `${n} predicted person${n === 1 ? '' : 's'} at or above the score threshold that nobody accepted or rejected`;
  return q.review === 'accepted'
    ? `This image has ${what}. Accepting the image as it is would leave ${n === 1 ? 'it' : 'them'} out of the ground truth.`
    : `This image has ${what}. Reject the whole image?`;
}

/** What a choice does: the decision on the pending predictions (one undo step), then the review and the next image. */
export function resolvePrompt(c: EditorContext, q: ReviewQuestion, choice: PromptChoice): CommandEffect {
  if (choice === 'cancel') return {};
  if (choice === 'reject') return { review: 'rejected', navigate: 'next' };
  const pending = c.triage.pending;
  const diff =
    choice === 'acceptAll' ? acceptTriaged(c.state, pending, c.newPersonId) : rejectTriaged(c.state, pending);
  const withPersons = choice === 'acceptAll' || hasPersons(c.state);
  const n = pending.length;
  return {
    diff,
    label: `${choice === 'acceptAll' ? 'Accept' : 'Reject'} ${n} prediction${n === 1 ? '' : 's'}`,
    prediction: null,
    review: q.review === 'accepted' && !withPersons ? 'no_person' : q.review,
    navigate: 'next',
  };
}

/** Persons that would be exported (an empty one is not a person). */
export function hasPersons(s: AnnotationState): boolean {
  return s.order.some((id) => s.persons[id] && !isEmptyPerson(s.persons[id]));
}

/** One diff removing the listed persons that are empty (nothing labelled, no box); empty when none is. */
export function removeEmptyPersons(s: AnnotationState, ids: readonly string[] = s.order): RecordDiff {
  const d = emptyDiff();
  for (const id of ids) {
    const p = s.persons[id];
    if (p && isEmptyPerson(p)) Object.assign(d.removed, deletePerson(s, id).removed);
  }
  return d;
}
