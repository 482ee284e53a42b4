import { BrowserWindow, session, shell, type Session } from 'electron';
import { navigationAllowed, type NavigationScope } from './navigationPolicy.ts';

export interface WindowOptions {
  /** The bridge to the app (the local renderer only); none for a remote page: it reaches nothing of the app. */
  preload?: string;
  rendererUrl: string;
  title?: string;
  /** Where the page may navigate (navigationPolicy.ts); default `page`. */
  scope?: NavigationScope;
  /** A session of its own (cookies, storage, cache) instead of the default one: a remote server's pages share nothing with the app's. */
  partition?: string;
}

/** The session a team server's window runs in: in memory only, apart from the app's own. */
export const TEAM_PARTITION = 'simplepose-team';

/**
 * The one way this app makes a window: context isolation, sandbox, no Node in the page, web security on; the page
 * may not navigate away from the app (or, `scope: 'origin'`, from its server), open windows (the app's own links
 * go to the system browser when they are http(s); a remote page's go nowhere), attach webviews, or be granted any
 * permission (camera, notifications, …).
 */
export function createSecureWindow(o: WindowOptions): BrowserWindow {
  const scope = o.scope ?? 'page';
  if (o.partition) denyAllPermissions(session.fromPartition(o.partition));
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: o.title ?? 'SimplePose Studio',
    backgroundColor: '#15171c',
    webPreferences: {
      ...(o.preload ? { preload: o.preload } : {}),
      ...(o.partition ? { partition: o.partition } : {}),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  const isApp = (url: string) => navigationAllowed(o.rendererUrl, url, scope);
  win.webContents.on('will-navigate', (e, url) => {
    if (!isApp(url)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isApp(url)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (scope === 'page' && /^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(o.rendererUrl);
  return win;
}

/**
 * A team server's pages (its login page, then the review app it serves) in a window as locked down as web mode's
 * browser tab: no preload (nothing of the app or of Node reaches the remote page: it talks to its server only),
 * navigation confined to that origin, a session of its own with every permission denied.
 */
export function createTeamWindow(loginUrl: string, title = 'Team project — SimplePose Studio'): BrowserWindow {
  return createSecureWindow({ rendererUrl: loginUrl, title, scope: 'origin', partition: TEAM_PARTITION });
}

/** Denies every permission request and check of a session (default: the app's; the app needs none). */
export function denyAllPermissions(s: Session = session.defaultSession): void {
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
}
