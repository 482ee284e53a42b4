import { isIP } from 'node:net';
import { TEAM_LOGIN_MARK, TEAM_LOGIN_PAGE } from '../contract/apiRoutes.ts';

/** A team server address as typed, checked: its origin and the login page the window opens, or why not. */
export type TeamServerCheck = { ok: true; origin: string; loginUrl: string } | { ok: false; error: string };

const EXAMPLE = 'e.g. https://poses.example.org';

/** This machine: plain http is fine (nothing crosses a network), e.g. `simplepose team serve` on this computer. */
function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * What the user typed in "Open Team Project…", checked before anything is loaded: a web address (http or https
 * only: no file:, javascript:, data: or the app's own schemes), without a user name or password in it (one logs in
 * on the page), and https unless the server is on this machine — a password sent over plain http to another
 * machine crosses the network readable (the team server speaks plain HTTP behind a TLS proxy: docs/ARCHITECTURE.md).
 * The window opens the origin's login page, whatever path was typed.
 */
export function parseTeamServerUrl(typed: string): TeamServerCheck {
  const text = typed.trim();
  if (!text) return { ok: false, error: `type the address of the team server (${EXAMPLE})` };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text))
    return { ok: false, error: `"${text}" has no scheme: type the whole address, starting with https:// (${EXAMPLE})` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a web address (${EXAMPLE})` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, error: `only http:// and https:// team servers can be opened, not ${url.protocol}` };
  if (url.username || url.password)
    return { ok: false, error: 'a team server address carries no user name or password: you log in on its page' };
  if (!url.hostname) return { ok: false, error: `"${text}" names no server (${EXAMPLE})` };
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    return {
      ok: false,
      error: `http://${url.host} would send your password over the network unencrypted: use the team's https:// address (the TLS proxy in front of the team server)`,
    };
  return { ok: true, origin: url.origin, loginUrl: `${url.origin}${TEAM_LOGIN_PAGE}` };
}

/** Why a request to the server failed, in words (Node's fetch puts the system error in `cause`). */
function unreachable(origin: string, e: unknown, timeoutMs: number): string {
  const cause = (e as { cause?: { code?: string } } | null)?.cause;
  const code = cause?.code ?? (e as { code?: string } | null)?.code ?? '';
  const name = (e as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `${origin} did not answer within ${timeoutMs / 1000} s`;
  if (code === 'ECONNREFUSED') return `nothing answers at ${origin} (connection refused): is the team server running?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `there is no server named ${new URL(origin).hostname}`;
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return `${origin}'s TLS certificate is not trusted (${code})`;
  return `${origin} could not be reached${code ? ` (${code})` : ''}`;
}

/**
 * Checks the address, then asks the server for its login page: it must answer 200 with the page of a SimplePose
 * team server (its mark), itself — a redirect elsewhere is not it. Nothing is loaded in a window before this.
 */
export async function checkTeamServer(
  typed: string,
  o: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<TeamServerCheck> {
  const parsed = parseTeamServerUrl(typed);
  if (!parsed.ok) return parsed;
  const timeoutMs = o.timeoutMs ?? 8000;
  const notTeam = (why: string) => ({
    ok: false as const,
    error: `${parsed.loginUrl} is not the login page of a SimplePose team server (${why})`,
  });
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(parsed.loginUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { Accept: 'text/html' },
    });
  } catch (e) {
    return { ok: false, error: unreachable(parsed.origin, e, timeoutMs) };
  }
  if (res.status !== 200) return notTeam(`it answered HTTP ${res.status}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) return notTeam('it is not a web page');
  const page = await res.text().catch(() => '');
  if (!page.slice(0, 4096).includes(TEAM_LOGIN_MARK)) return notTeam('another web page answers there');
  return parsed;
}
