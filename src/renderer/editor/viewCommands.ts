import type { HasShortcuts } from '../../core/edit/editorCommands.ts';
import type { EditorEngine } from './editorEngine.ts';

/**
 * A view command: never an edit, never undoable, always available; listed in the `?` overlay beside the editing
 * commands and found by the same key matching (commandForKey takes any table with shortcuts).
 */
export interface ViewCommand extends HasShortcuts {
  label: string;
  apply(engine: EditorEngine): void;
}

const view = (id: string, label: string, shortcuts: string[], apply: (e: EditorEngine) => void): ViewCommand => ({
  id,
  label,
  shortcuts,
  apply,
});

export const VIEW_COMMANDS: ViewCommand[] = [
  view('view.fit', 'Fit the image to the canvas', ['F'], (e) => e.view.fit()),
  view('view.actualSize', 'Zoom to 1:1', ['1'], (e) => e.view.actualSize()),
  view('view.heatmap', 'Show/hide the heatmap overlay', ['H'], (e) =>
    e.view.setHeatmap({ visible: !e.view.heatmap.get().visible }),
  ),
  view('view.predictions', "Show/hide the model's predictions", ['G'], (e) =>
    e.view.setTriage({ showPredictions: !e.view.triage.get().showPredictions }),
  ),
  view('view.nextChannel', 'Next heatmap channel', [']'], (e) => e.view.stepChannel(1)),
  view('view.previousChannel', 'Previous heatmap channel', ['['], (e) => e.view.stepChannel(-1)),
  view('view.help', 'Show this list of shortcuts', ['?', 'Shift+?'], (e) => e.notices.open('help')),
  view('app.export', 'Export COCO…', ['Mod+E'], (e) => e.notices.open('export')),
];

/** Shortcuts handled by the canvas itself (listed in the overlay, no key binding of their own). */
export const POINTER_GESTURES: [string, string][] = [
  ['Wheel / pinch', 'Zoom about the pointer'],
  ['Drag on the image', 'Pan'],
  ['Drag a joint', 'Move it (one undo step)'],
  ['Drag a predicted joint', 'Accept its person and move the joint (one undo step)'],
  ['Click a predicted person', 'Select it (then Y accepts, X rejects)'],
  ['Click (place mode)', 'Place the selected missing joint'],
  ['Hover a joint (predicted too)', 'Show its heatmap channel'],
  ['Esc', 'Leave place mode / close a dialog'],
];
