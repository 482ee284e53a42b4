// The Electron main process: one window over one open project; everything below the transport is the same code
// the web mode runs (src/node, src/server's contract checks via src/contract).
import { app, type BrowserWindow, dialog, Menu, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSecureWindow, createTeamWindow, denyAllPermissions } from './createWindow.ts';
import { checkTeamServer, type TeamServerCheck } from './teamServerUrl.ts';
import { askTeamUrl } from './teamUrlPrompt.ts';
import { forwardEvents, registerIpc } from './ipcAdapter.ts';
import { handleMediaProtocol, registerMediaScheme } from './mediaProtocol.ts';
import { buildAppMenu } from './appMenu.ts';
import { RecentProjects } from './recentProjects.ts';
import { ExchangePicker, exchangeDialog } from './exchangePicker.ts';
import { ApiError } from '../contract/apiErrors.ts';
import { MENU_CHANNEL } from '../contract/apiRoutes.ts';
import { openProjectFolder, sampleProjectCopy, type OpenProject } from '../node/project/openProjectFolder.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const resources = app.isPackaged ? process.resourcesPath : path.resolve(here, '..', '..', 'resources');
const MODEL = path.join(resources, 'models', 'imhn-synth-tiny.onnx');
const rendererUrl =
  process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(path.join(here, '..', 'renderer', 'index.html')).href;

if (!app.requestSingleInstanceLock()) app.quit();
registerMediaScheme();

let project: OpenProject | null = null;
let win: BrowserWindow | null = null;
/** The window shows a team server's pages (createTeamWindow), not the app's renderer. */
let inTeam = false;
let stopEvents: (() => void) | null = null;
const recent = new RecentProjects(path.join(app.getPath('userData'), 'recent-projects.json'));
// Export and import files come only from these dialogs of the main process, never from the page.
const picker = new ExchangePicker(async (purpose, defaultPath, file) => {
  const { title, filters } = exchangeDialog(purpose, file);
  if (purpose === 'export') {
    const r = await dialog.showSaveDialog(win!, { title, defaultPath, filters });
    return r.canceled || !r.filePath ? null : r.filePath;
  }
  const r = await dialog.showOpenDialog(win!, { title, defaultPath, filters, properties: ['openFile'] });
  return r.canceled ? null : (r.filePaths[0] ?? null);
});

function trusted(e: IpcMainInvokeEvent): boolean {
  return (
    win !== null && e.sender === win.webContents && (e.senderFrame?.url ?? '').startsWith(rendererUrl.split('?')[0])
  );
}

async function open(folder: string): Promise<void> {
  let next: OpenProject;
  try {
    next = await openProjectFolder(folder, { modelPath: MODEL, exchange: picker.policy });
  } catch (e) {
    dialog.showErrorBox('Cannot open the folder', (e as Error).message);
    return;
  }
  stopEvents?.();
  project?.close();
  project = next;
  if (win) {
    stopEvents = forwardEvents(project.service, win.webContents);
    win.setTitle(`${path.basename(folder)} — SimplePose Studio`);
    win.reload();
  }
  Menu.setApplicationMenu(buildAppMenu(await recent.add(folder), actions));
}

/**
 * A team project: the window becomes the team server's own pages (its login, then the review app it serves), with
 * no bridge to this app; the local project is closed. Opening a folder afterwards brings the local window back.
 */
async function openTeam(): Promise<void> {
  let checked: Extract<TeamServerCheck, { ok: true }> | null = null;
  const typed = await askTeamUrl(win, async (url) => {
    const r = await checkTeamServer(url);
    if (!r.ok) return r.error;
    checked = r;
    return null;
  });
  if (typed === null || !checked) return;
  const { loginUrl, origin } = checked;
  stopEvents?.();
  stopEvents = null;
  await Promise.resolve(project?.close()).catch(() => undefined);
  project = null;
  const old = win;
  const teamWin = createTeamWindow(loginUrl, `${new URL(origin).host} — SimplePose Studio`);
  teamWin.on('closed', () => {
    if (win === teamWin) win = null;
  });
  win = teamWin;
  inTeam = true;
  old?.destroy();
}

/** The app's own window (the renderer with its bridge), over the local project. */
function localWindow(): BrowserWindow {
  const w = createSecureWindow({ preload: path.join(here, '..', 'preload', 'preload.cjs'), rendererUrl });
  w.on('closed', () => {
    if (win !== w) return;
    stopEvents?.();
    win = null;
  });
  return w;
}

/** Opens a folder, in the app's own window again if a team server's pages were shown. */
async function openLocal(folder: string): Promise<void> {
  if (inTeam || !win) {
    const old = win;
    win = localWindow();
    inTeam = false;
    old?.destroy();
  }
  await open(folder);
}

const actions = {
  openFolder: async () => {
    const r = await dialog.showOpenDialog({ properties: ['openDirectory'], title: 'Open a folder of photos' });
    if (!r.canceled && r.filePaths[0]) await openLocal(r.filePaths[0]);
  },
  openTeam: () => void openTeam(),
  openRecent: (f: string) => void openLocal(f),
  command: (id: string) => win?.webContents.send(MENU_CHANNEL, id),
};

app.on('second-instance', (_e, argv) => {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
  const folder = argv.slice(1).find((a) => !a.startsWith('-') && path.isAbsolute(a));
  if (folder) void openLocal(folder);
});
app.on('window-all-closed', () => {
  // Jobs are cancelled, an import or export under way in the project worker finishes, then the app quits.
  const closing = project?.close();
  project = null;
  void Promise.resolve(closing)
    .catch(() => undefined)
    .finally(() => app.quit());
});

void app.whenReady().then(async () => {
  denyAllPermissions();
  handleMediaProtocol(() => project);
  registerIpc(
    () => {
      if (!project) throw new ApiError('conflict', 'no project is open');
      return project.service;
    },
    trusted,
    {
      pickExchangeFile: (purpose, suggested, file) =>
        picker.pick(purpose, suggested, project?.root ?? app.getPath('home'), file),
    },
  );
  const argFolder = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => !a.startsWith('-'));
  const first =
    argFolder ?? recent.list()[0] ?? sampleProjectCopy(path.join(resources, 'sample-project'), app.getPath('userData'));
  win = localWindow();
  await open(first);
});
