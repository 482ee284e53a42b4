import type { EditorEngine } from './editorEngine.ts';
import { CHANNELS } from '../../core/skeleton/poseMeta.ts';
import { VIEW_COMMAND_INFO, type ViewCommandId } from '../../core/edit/viewCommandInfo.ts';

/** A view command: never an edit, never undoable; listed in the `?` overlay beside the editing commands. */
export interface ViewCommand {
  id: string;
  label: string;
  shortcuts: string[];
  isEnabled(): boolean;
  run(): Record<string, never>;
  apply(engine: EditorEngine): void;
}

const step = (e: EditorEngine, d: number) =>
  e.setHeatmap({ channel: (e.getSnapshot().heatmap.channel + d + CHANNELS.count) % CHANNELS.count, visible: true });

/** What each view command does (its id, label and shortcuts: core/edit/viewCommandInfo.ts). */
const APPLY: Record<ViewCommandId, (e: EditorEngine) => void> = {
  'view.fit': (e) => e.fit(),
  'view.actualSize': (e) => e.actualSize(),
  'view.heatmap': (e) => e.setHeatmap({ visible: !e.getSnapshot().heatmap.visible }),
  'view.nextChannel': (e) => step(e, 1),
  'view.previousChannel': (e) => step(e, -1),
  'view.help': (e) => e.openDialog('help'),
  'app.export': (e) => e.openDialog('export'),
};

export const VIEW_COMMANDS: ViewCommand[] = VIEW_COMMAND_INFO.map((c) => ({
  id: c.id,
  label: c.label,
  shortcuts: [...c.shortcuts],
  isEnabled: () => true,
  run: () => ({}),
  apply: APPLY[c.id],
}));

/** Shortcuts handled by the canvas itself (listed in the overlay, no key binding of their own). */
export const POINTER_GESTURES: [string, string][] = [
  ['Wheel / pinch', 'Zoom about the pointer'],
  ['Drag on the image', 'Pan'],
  ['Drag a joint', 'Move it (one undo step)'],
  ['Click (place mode)', 'Place the selected missing joint'],
  ['Hover a joint', 'Show its heatmap channel'],
  ['Esc', 'Leave place mode / close a dialog'],
];
