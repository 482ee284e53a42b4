import type { EditorEngine } from './editorEngine.ts';
import { CHANNELS } from '../../core/skeleton/poseMeta.ts';

/** A view command: never an edit, never undoable; listed in the `?` overlay beside the editing commands. */
export interface ViewCommand {
  id: string;
  label: string;
  shortcuts: string[];
  isEnabled(): boolean;
  run(): Record<string, never>;
  apply(engine: EditorEngine): void;
}

const view = (id: string, label: string, shortcuts: string[], apply: (e: EditorEngine) => void): ViewCommand => ({
  id,
  label,
  shortcuts,
  isEnabled: () => true,
  run: () => ({}),
  apply,
});
const step = (e: EditorEngine, d: number) =>
  e.setHeatmap({ channel: (e.getSnapshot().heatmap.channel + d + CHANNELS.count) % CHANNELS.count, visible: true });

export const VIEW_COMMANDS: ViewCommand[] = [
  view('view.fit', 'Fit the image to the canvas', ['F'], (e) => e.fit()),
  view('view.actualSize', 'Zoom to 1:1', ['1'], (e) => e.actualSize()),
  view('view.heatmap', 'Show/hide the heatmap overlay', ['H'], (e) =>
    e.setHeatmap({ visible: !e.getSnapshot().heatmap.visible }),
  ),
  view('view.nextChannel', 'Next heatmap channel', [']'], (e) => step(e, 1)),
  view('view.previousChannel', 'Previous heatmap channel', ['['], (e) => step(e, -1)),
  view('view.help', 'Show this list of shortcuts', ['?', 'Shift+?'], (e) => e.openDialog('help')),
  view('app.export', 'Export COCO…', ['Mod+E'], (e) => e.openDialog('export')),
];

/** Shortcuts handled by the canvas itself (listed in the overlay, no key binding of their own). */
export const POINTER_GESTURES: [string, string][] = [
  ['Wheel / pinch', 'Zoom about the pointer'],
  ['Drag on the image', 'Pan'],
  ['Drag a joint', 'Move it (one undo step)'],
  ['Click (place mode)', 'Place the selected missing joint'],
  ['Hover a joint', 'Show its heatmap channel'],
  ['Esc', 'Leave place mode / close a dialog'],
];
