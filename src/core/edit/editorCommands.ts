import { JOINT_COUNT, type AnnotationState } from './poseRecords.ts';
import type { RecordDiff } from './recordDiff.ts';
import type { Pose } from '../codec/assign/toPoses.ts';
import {
  acceptPredictions,
  cycleVisibility,
  deleteJoint,
  deletePerson,
  nextJointIndex,
  swapLeftRight,
} from './poseEdits.ts';

export interface Selection {
  personId: string | null;
  joint: number | null;
}

/** What a command sees: the image's annotation, the selection, the model's poses for the image. */
export interface EditorContext {
  state: AnnotationState;
  selection: Selection;
  predictions: Pose[];
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
  navigate?: 'next' | 'previous';
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
    isEnabled: (c) => c.state.order.some((id) => c.state.persons[id].joints.includes(null)),
    run: tab(1, true),
  },
  {
    id: 'joint.cycleVisibility',
    label: 'Cycle visibility 2 → 1 → 0',
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
    label: "Accept all of the model's predictions",
    shortcuts: ['A'],
    isEnabled: (c) => c.predictions.length > 0,
    run: (c) => ({ diff: acceptPredictions(c.state, c.predictions, c.newPersonId), label: 'Accept predictions' }),
  },
  {
    id: 'image.accept',
    label: 'Accept the image and go to the next',
    shortcuts: ['Enter'],
    isEnabled: () => true,
    run: (c) => ({ review: c.state.order.length ? 'accepted' : 'no_person', navigate: 'next' }),
  },
  {
    id: 'image.reject',
    label: 'Reject the image and go to the next',
    shortcuts: ['R'],
    isEnabled: () => true,
    run: () => ({ review: 'rejected', navigate: 'next' }),
  },
  {
    id: 'image.skip',
    label: 'Skip the image',
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
