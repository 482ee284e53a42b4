import { BrowserWindow, session, shell } from 'electron';

export interface WindowOptions {
  preload: string;
  rendererUrl: string;
  title?: string;
}

/**
 * The one way this app makes a window: context isolation, sandbox, no Node in the page, web security on; the page
 * may not navigate away from the app, open windows (links go to the system browser when they are http(s)), or be
 * granted any permission (camera, notifications, …).
 */
export function createSecureWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: o.title ?? 'SimplePose Studio',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  const appOrigin = new URL(o.rendererUrl);
  const isApp = (url: string) => {
    try {
      const u = new URL(url);
      return u.protocol === appOrigin.protocol && u.host === appOrigin.host && u.pathname === appOrigin.pathname;
    } catch {
      return false;
    }
  };
  win.webContents.on('will-navigate', (e, url) => {
    if (!isApp(url)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isApp(url)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(o.rendererUrl);
  return win;
}

/** Denies every permission request and check of the default session (the app needs none). */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
