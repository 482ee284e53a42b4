import type { HasShortcuts } from '../../core/edit/editorCommands.ts';
import { VIEW_COMMAND_INFO, type ViewCommandId } from '../../core/edit/viewCommandInfo.ts';
import type { EditorEngine } from './editorEngine.ts';

/**
 * A view command: never an edit, never undoable, always available; listed in the `?` overlay beside the editing
 * commands and found by the same key matching (commandForKey takes any table with shortcuts).
 */
export interface ViewCommand extends HasShortcuts {
  label: string;
  apply(engine: EditorEngine): void;
}

/** What each view command does (its id, label and shortcuts: core/edit/viewCommandInfo.ts). */
const APPLY: Record<ViewCommandId, (e: EditorEngine) => void> = {
  'view.fit': (e) => e.view.fit(),
  'view.actualSize': (e) => e.view.actualSize(),
  'view.heatmap': (e) => e.view.setHeatmap({ visible: !e.view.heatmap.get().visible }),
  'view.predictions': (e) => e.view.setTriage({ showPredictions: !e.view.triage.get().showPredictions }),
  'view.nextChannel': (e) => e.view.stepChannel(1),
  'view.previousChannel': (e) => e.view.stepChannel(-1),
  'view.help': (e) => e.notices.open('help'),
  'app.export': (e) => e.notices.open('export'),
};

export const VIEW_COMMANDS: ViewCommand[] = VIEW_COMMAND_INFO.map((c) => ({
  id: c.id,
  label: c.label,
  shortcuts: [...c.shortcuts],
  apply: APPLY[c.id],
}));

/** Shortcuts handled by the canvas itself (listed in the overlay, no key binding of their own). */
export const POINTER_GESTURES: [string, string][] = [
  ['Wheel / pinch', 'Zoom about the pointer'],
  ['Drag on the image', 'Pan'],
  ['Drag a joint', 'Move it (one undo step)'],
  ['Shift + drag a joint (setting: Alt, always, off)', "Snap it to its channel's nearest peak (the target is drawn)"],
  ['Ctrl / ⌘ + drag a joint', 'Move the whole person (one undo step)'],
  ['Drag a predicted joint', 'Accept its person and move the joint (one undo step)'],
  ['Click a predicted person', 'Select it (then Y accepts, X rejects)'],
  ['Click (place mode)', 'Place the selected missing joint'],
  ['Shift + click (place mode)', "Place it on its channel's nearest peak (the target is drawn while hovering)"],
  ['Enter / Esc', 'Apply / discard a regroup proposal; split the marked joints / leave merge or split'],
  ['Hover a joint (predicted too)', 'Show its heatmap channel'],
  ['Esc', 'Leave place mode / close a dialog'],
];
