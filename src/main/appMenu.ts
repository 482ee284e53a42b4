import { Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openFolder(): void;
  openRecent(folder: string): void;
  /** A renderer command by id (the renderer runs it through the same table as its keyboard shortcuts). */
  command(id: string): void;
}

/**
 * Native menus. Editing accelerators belong to the renderer's command table (so they work in web mode too); the
 * menu shows them and sends the command id, with `registerAccelerator: false` so the key reaches the page once.
 */
export function buildAppMenu(recent: string[], a: MenuActions, isMac = process.platform === 'darwin'): Menu {
  const cmd = (label: string, id: string, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    registerAccelerator: false,
    click: () => a.command(id),
  });
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
        { type: 'separator' },
        cmd('Export COCO…', 'app.export', 'CmdOrCtrl+E'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        cmd('Undo', 'history.undo', 'CmdOrCtrl+Z'),
        cmd('Redo', 'history.redo', 'CmdOrCtrl+Shift+Z'),
        { type: 'separator' },
        cmd('Accept Shown Predictions', 'image.acceptPredictions', 'A'),
        cmd('Accept Predicted Person', 'prediction.accept', 'Y'),
        cmd('Reject Predicted Person', 'prediction.reject', 'X'),
        cmd('Next Predicted Person', 'prediction.next', 'N'),
        cmd('Add Person', 'person.add', 'P'),
        cmd('Swap Left/Right', 'person.swapLeftRight', 'S'),
        cmd('Cycle Visibility', 'joint.cycleVisibility', 'V'),
        cmd('Delete Joint', 'joint.delete', 'Delete'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
      ],
    },
    {
      label: 'Review',
      submenu: [
        cmd('Accept and Next', 'image.accept', 'Enter'),
        cmd('Reject and Next', 'image.reject', 'R'),
        cmd('Skip', 'image.skip', 'K'),
        { type: 'separator' },
        cmd('Next Image', 'image.next', 'PageDown'),
        cmd('Previous Image', 'image.previous', 'PageUp'),
      ],
    },
    {
      label: 'View',
      submenu: [
        cmd('Fit', 'view.fit', 'F'),
        cmd('Show/Hide Predictions', 'view.predictions', 'G'),
        cmd('Actual Size', 'view.actualSize', '1'),
        cmd('Heatmap Overlay', 'view.heatmap', 'H'),
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [cmd('Keyboard Shortcuts', 'view.help', '?')] },
  ];
  return Menu.buildFromTemplate(template);
}
