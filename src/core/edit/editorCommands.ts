import { isLabelled, JOINT_COUNT, type AnnotationState } from './poseRecords.ts';
import type { RecordDiff } from './recordDiff.ts';
import { cycleVisibility, deleteJoint, deletePerson, nextJointIndex, swapLeftRight } from './poseEdits.ts';
import { acceptTriaged, nextPending, rejectTriaged, type Triage } from '../review/predictionTriage.ts';
import { hasPersons } from '../review/reviewPrompt.ts';

export interface Selection {
  personId: string | null;
  joint: number | null;
}

/**
 * What a command sees: the image's annotation, the selection, the model's predictions for the image as triaged at
 * the project's score threshold (predictionTriage.ts), the selected prediction, whether predictions are shown.
 */
export interface EditorContext {
  state: AnnotationState;
  selection: Selection;
  triage: Triage;
  /** The selected predicted person (its key), if one is. */
  prediction: string | null;
  /** False while the reviewer hides all predictions (they are still pending, and still asked about). */
  predictionsShown: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** Makes a new person id (stable, unique in the image). */
  newPersonId(i: number): string;
}

/** What running a command asks for; the editor applies it (diffs go through the history). */
export interface CommandEffect {
  diff?: RecordDiff;
  label?: string;
  selection?: Selection;
  history?: 'undo' | 'redo';
  review?: 'accepted' | 'rejected' | 'skipped' | 'no_person';
  /**
   * Ask before setting this status: the image has `pending` predictions nobody decided (accepting it would leave
   * them out of the ground truth without a word).
   */
  ask?: { review: 'accepted' | 'rejected'; pending: number };
  navigate?: 'next' | 'previous';
  /** Select this predicted person (its key; null: none). */
  prediction?: string | null;
  /** Arm "click to place" for the selected missing joint. */
  placeMode?: boolean;
}

/** One user command: the same object serves menus, toolbar, keyboard and the shortcut overlay. */
export interface EditorCommand {
  id: string;
  label: string;
  /** Shortcuts as "Mod+Shift+Z" strings (Mod = Ctrl, or ⌘ on macOS). */
  shortcuts: string[];
  isEnabled(ctx: EditorContext): boolean;
  run(ctx: EditorContext): CommandEffect;
}

const selectedPerson = (c: EditorContext) =>
  c.selection.personId && c.state.persons[c.selection.personId] ? c.state.persons[c.selection.personId] : null;
const selectedJoint = (c: EditorContext) => {
  const p = selectedPerson(c);
  return p && c.selection.joint !== null ? p.joints[c.selection.joint] : null;
};
const selectedPrediction = (c: EditorContext) => c.triage.pending.find((t) => t.key === c.prediction) ?? null;
/** After deciding the selected prediction: the next pending one (so that triage is one key per person). */
const afterDecision = (c: EditorContext): string | null => {
  const next = nextPending(c.triage, c.prediction);
  return next && next.key !== c.prediction ? next.key : null;
};

function tab(direction: 1 | -1, onlyMissing: boolean) {
  return (c: EditorContext): CommandEffect => {
    const p = selectedPerson(c) ?? (c.state.order.length ? c.state.persons[c.state.order[0]] : null);
    if (!p) return {};
    const k = nextJointIndex(p, c.selection.joint ?? (direction === 1 ? -1 : 0), direction, onlyMissing);
    return k < 0 ? {} : { selection: { personId: p.id, joint: k }, placeMode: p.joints[k] === null };
  };
}

export const EDITOR_COMMANDS: EditorCommand[] = [
  {
    id: 'joint.next',
    label: 'Next joint',
    shortcuts: ['Tab'],
    isEnabled: (c) => c.state.order.length > 0,
    run: tab(1, false),
  },
  {
    id: 'joint.previous',
    label: 'Previous joint',
    shortcuts: ['Shift+Tab'],
    isEnabled: (c) => c.state.order.length > 0,
    run: tab(-1, false),
  },
  {
    id: 'joint.nextMissing',
    label: 'Next missing joint (then click to place it)',
    shortcuts: ['M'],
    isEnabled: (c) => c.state.order.some((id) => !c.state.persons[id].joints.every(isLabelled)),
    run: tab(1, true),
  },
  {
    id: 'joint.cycleVisibility',
    label: 'Cycle visibility 2 → 1 → 0 → 2 (at 0 the position is kept)',
    shortcuts: ['V'],
    isEnabled: (c) => selectedJoint(c) !== null,
    run: (c) => ({
      diff: cycleVisibility(c.state, c.selection.personId!, c.selection.joint!),
      label: 'Cycle visibility',
    }),
  },
  {
    id: 'joint.delete',
    label: 'Delete joint',
    shortcuts: ['Delete', 'Backspace'],
    isEnabled: (c) => selectedJoint(c) !== null,
    run: (c) => ({ diff: deleteJoint(c.state, c.selection.personId!, c.selection.joint!), label: 'Delete joint' }),
  },
  {
    id: 'person.add',
    label: 'Add person (then place its joints)',
    shortcuts: ['P'],
    isEnabled: () => true,
    run: (c) => {
      const id = c.newPersonId(c.state.order.length);
      return {
        diff: {
          added: { [id]: { id, joints: new Array(JOINT_COUNT).fill(null), crowd: false } },
          updated: {},
          removed: {},
        },
        label: 'Add person',
        selection: { personId: id, joint: 0 },
        placeMode: true,
      };
    },
  },
  {
    id: 'person.delete',
    label: 'Delete person',
    shortcuts: ['Shift+Delete', 'Shift+Backspace'],
    isEnabled: (c) => selectedPerson(c) !== null,
    run: (c) => ({
      diff: deletePerson(c.state, c.selection.personId!),
      label: 'Delete person',
      selection: { personId: null, joint: null },
    }),
  },
  {
    id: 'person.swapLeftRight',
    label: 'Swap left/right of the person',
    shortcuts: ['S'],
    isEnabled: (c) => selectedPerson(c) !== null,
    run: (c) => ({ diff: swapLeftRight(c.state, c.selection.personId!), label: 'Swap left/right' }),
  },
  {
    id: 'image.acceptPredictions',
    label: 'Accept the shown predictions (those at or above the score threshold)',
    shortcuts: ['A'],
    isEnabled: (c) => c.predictionsShown && c.triage.pending.length > 0,
    run: (c) => {
      const n = c.triage.pending.length;
      return {
        diff: acceptTriaged(c.state, c.triage.pending, c.newPersonId),
        label: `Accept ${n} prediction${n === 1 ? '' : 's'}`,
        prediction: null,
      };
    },
  },
  {
    id: 'prediction.accept',
    label: 'Accept the selected predicted person (then select the next)',
    shortcuts: ['Y'],
    isEnabled: (c) => selectedPrediction(c) !== null,
    run: (c) => ({
      diff: acceptTriaged(c.state, [selectedPrediction(c)!], c.newPersonId),
      label: 'Accept predicted person',
      prediction: afterDecision(c),
    }),
  },
  {
    id: 'prediction.reject',
    label: 'Reject the selected predicted person (then select the next)',
    shortcuts: ['X'],
    isEnabled: (c) => selectedPrediction(c) !== null,
    run: (c) => ({
      diff: rejectTriaged(c.state, [selectedPrediction(c)!]),
      label: 'Reject predicted person',
      prediction: afterDecision(c),
    }),
  },
  {
    id: 'prediction.next',
    label: 'Select the next pending predicted person (highest score first)',
    shortcuts: ['N'],
    isEnabled: (c) => c.predictionsShown && c.triage.pending.length > 0,
    run: (c) => ({ prediction: nextPending(c.triage, c.prediction, 1)?.key ?? null }),
  },
  {
    id: 'prediction.previous',
    label: 'Select the previous pending predicted person',
    shortcuts: ['Shift+N'],
    isEnabled: (c) => c.predictionsShown && c.triage.pending.length > 0,
    run: (c) => ({ prediction: nextPending(c.triage, c.prediction, -1)?.key ?? null }),
  },
  {
    id: 'image.accept',
    label: 'Accept the image and go to the next (asks first about pending predictions)',
    shortcuts: ['Enter'],
    isEnabled: () => true,
    run: (c) =>
      c.triage.pending.length
        ? { ask: { review: 'accepted', pending: c.triage.pending.length } }
        : { review: hasPersons(c.state) ? 'accepted' : 'no_person', navigate: 'next' },
  },
  {
    id: 'image.reject',
    label: 'Reject the image and go to the next (asks first about pending predictions)',
    shortcuts: ['R'],
    isEnabled: () => true,
    run: (c) =>
      c.triage.pending.length
        ? { ask: { review: 'rejected', pending: c.triage.pending.length } }
        : { review: 'rejected', navigate: 'next' },
  },
  {
    id: 'image.skip',
    label: 'Skip the image (its predictions stay pending)',
    shortcuts: ['K'],
    isEnabled: () => true,
    run: () => ({ review: 'skipped', navigate: 'next' }),
  },
  {
    id: 'image.next',
    label: 'Next image',
    shortcuts: ['PageDown', 'J'],
    isEnabled: () => true,
    run: () => ({ navigate: 'next' }),
  },
  {
    id: 'image.previous',
    label: 'Previous image',
    shortcuts: ['PageUp'],
    isEnabled: () => true,
    run: () => ({ navigate: 'previous' }),
  },
  {
    id: 'history.undo',
    label: 'Undo',
    shortcuts: ['Mod+Z'],
    isEnabled: (c) => c.canUndo,
    run: () => ({ history: 'undo' }),
  },
  {
    id: 'history.redo',
    label: 'Redo',
    shortcuts: ['Mod+Shift+Z', 'Mod+Y'],
    isEnabled: (c) => c.canRedo,
    run: () => ({ history: 'redo' }),
  },
];

/** A keyboard event as far as shortcuts care (the DOM KeyboardEvent has these fields). */
export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** Anything with shortcuts: editing commands, and the renderer's view commands. */
export interface HasShortcuts {
  id: string;
  shortcuts: string[];
}

/** The command a key press triggers, if any (Mod = Ctrl, or Meta on macOS), from any table of commands. */
export function commandForKey<C extends HasShortcuts>(e: KeyLike, isMac: boolean, commands: readonly C[]): C | null {
  const mod = isMac ? e.metaKey : e.ctrlKey;
  const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  const pressed = `${mod ? 'Mod+' : ''}${e.shiftKey ? 'Shift+' : ''}${e.altKey ? 'Alt+' : ''}${key}`;
  return commands.find((c) => c.shortcuts.includes(pressed)) ?? null;
}

/** Shortcut conflicts in a command table (each key combination must name one command). */
export function shortcutConflicts(commands: readonly HasShortcuts[] = EDITOR_COMMANDS): string[] {
  const seen = new Map<string, string>(),
    out: string[] = [];
  for (const c of commands)
    for (const s of c.shortcuts) {
      const prev = seen.get(s);
      if (prev) out.push(`${s}: ${prev} and ${c.id}`);
      else seen.set(s, c.id);
    }
  return out;
}
