/**
 * The view commands as menus, the shortcut overlay and key dispatch know them (id, label, shortcuts as
 * "Mod+Shift+Z" strings): never an edit, never undoable. Declared here once, beside the editing commands
 * (editorCommands.ts), so that the Electron menu reads them too; what each does to the editor is the renderer's
 * (renderer/editor/viewCommands.ts).
 */
export interface ViewCommandInfo {
  id: string;
  label: string;
  shortcuts: readonly string[];
}

export const VIEW_COMMAND_INFO = [
  { id: 'view.fit', label: 'Fit the image to the canvas', shortcuts: ['F'] },
  { id: 'view.actualSize', label: 'Zoom to 1:1', shortcuts: ['1'] },
  { id: 'view.heatmap', label: 'Show/hide the heatmap overlay', shortcuts: ['H'] },
  { id: 'view.predictions', label: "Show/hide the model's predictions", shortcuts: ['G'] },
  { id: 'view.nextChannel', label: 'Next heatmap channel', shortcuts: [']'] },
  { id: 'view.previousChannel', label: 'Previous heatmap channel', shortcuts: ['['] },
  { id: 'view.help', label: 'Keyboard shortcuts', shortcuts: ['?', 'Shift+?'] },
  { id: 'app.export', label: 'Export COCO…', shortcuts: ['Mod+E'] },
] as const satisfies readonly ViewCommandInfo[];

export type ViewCommandId = (typeof VIEW_COMMAND_INFO)[number]['id'];
