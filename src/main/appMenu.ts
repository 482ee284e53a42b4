import { Menu, type MenuItemConstructorOptions } from 'electron';
import { CORRECTION_COMMAND_INFO } from '../core/edit/correctionCommandInfo.ts';
import { EDITOR_COMMANDS } from '../core/edit/editorCommands.ts';
import { VIEW_COMMAND_INFO } from '../core/edit/viewCommandInfo.ts';

export interface MenuActions {
  openFolder(): void;
  /** Asks for a team server's address and opens its login page (teamServerUrl.ts, createWindow.ts). */
  openTeam(): void;
  openRecent(folder: string): void;
  /** A renderer command by id (the renderer runs it through the same table as its keyboard shortcuts). */
  command(id: string): void;
}

/** Every command a menu may show, by id: the editing, view and correction command tables, read, never restated. */
const COMMANDS = new Map<string, { label: string; shortcuts: readonly string[] }>(
  [...EDITOR_COMMANDS, ...VIEW_COMMAND_INFO, ...CORRECTION_COMMAND_INFO].map((c) => [c.id, c]),
);

/**
 * Electron's accelerator for a command table's shortcut ("Mod+Shift+Z" → "CmdOrCtrl+Shift+Z"; the DOM's key names
 * ArrowLeft … are Electron's Left …).
 */
export function acceleratorOf(shortcut: string): string {
  return shortcut.replace(/^Mod\+/, 'CmdOrCtrl+').replace(/Arrow(Left|Right|Up|Down)$/, '$1');
}

/**
 * Native menus. Labels and accelerators are the command tables' (core/edit/editorCommands.ts,
 * core/edit/viewCommandInfo.ts, core/edit/correctionCommandInfo.ts; the keys belong to the renderer, so they work in
 * web mode too): the menu names command ids, shows their first shortcut and sends the id, with
 * `registerAccelerator: false` so the key reaches the page once.
 */
export function buildAppMenu(recent: string[], a: MenuActions, isMac = process.platform === 'darwin'): Menu {
  const cmd = (id: string): MenuItemConstructorOptions => {
    const c = COMMANDS.get(id);
    if (!c) throw new Error(`menu: ${id} is not in the command tables`);
    return {
      label: c.label,
      accelerator: c.shortcuts.length ? acceleratorOf(c.shortcuts[0]) : undefined,
      registerAccelerator: false,
      click: () => a.command(id),
    };
  };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => a.openFolder() },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? recent.map((f) => ({ label: f, click: () => a.openRecent(f) }))
            : [{ label: 'No recent projects', enabled: false }],
        },
        { label: 'Open Team Project…', click: () => a.openTeam() },
        { type: 'separator' },
        cmd('app.export'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        cmd('history.undo'),
        cmd('history.redo'),
        { type: 'separator' },
        cmd('image.acceptPredictions'),
        cmd('prediction.accept'),
        cmd('prediction.reject'),
        cmd('prediction.next'),
        cmd('person.add'),
        cmd('person.swapLeftRight'),
        cmd('joint.cycleVisibility'),
        cmd('joint.delete'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
      ],
    },
    {
      label: 'Review',
      submenu: [
        cmd('image.accept'),
        cmd('image.reject'),
        cmd('image.skip'),
        { type: 'separator' },
        cmd('image.next'),
        cmd('image.previous'),
      ],
    },
    {
      label: 'Correct',
      submenu: [
        // every correction command but the candidate keys 1…k (they pick what the canvas numbers: the key is needed)
        cmd('correct.nextFlag'),
        cmd('correct.previousFlag'),
        cmd('correct.regroup'),
        { type: 'separator' },
        cmd('correct.merge'),
        cmd('correct.split'),
        { type: 'separator' },
        cmd('correct.moveLeft'),
        cmd('correct.moveRight'),
        cmd('correct.moveUp'),
        cmd('correct.moveDown'),
      ],
    },
    {
      label: 'View',
      submenu: [
        cmd('view.fit'),
        cmd('view.predictions'),
        cmd('view.actualSize'),
        cmd('view.heatmap'),
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [cmd('view.help')] },
  ];
  return Menu.buildFromTemplate(template);
}
