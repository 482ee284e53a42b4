/**
 * Where a window's page may go. `page`: the app's own page only (same scheme, host and path: the local renderer);
 * `origin`: anywhere on the remote server's origin (a team server: /login, then the review app at /?token=…),
 * nowhere else — no other site, scheme or port, so a link or a redirect cannot take the window (and the session
 * token in its URL) to another server.
 */
export type NavigationScope = 'page' | 'origin';

export function navigationAllowed(appUrl: string, url: string, scope: NavigationScope): boolean {
  let app: URL, to: URL;
  try {
    app = new URL(appUrl);
    to = new URL(url);
  } catch {
    return false;
  }
  if (scope === 'origin') return (to.protocol === 'https:' || to.protocol === 'http:') && to.origin === app.origin;
  return to.protocol === app.protocol && to.host === app.host && to.pathname === app.pathname;
}
