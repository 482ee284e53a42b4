import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import { ApiError } from '../contract/apiErrors.ts';

/** What a request is for; each kind has its own rule for where the token may come from. */
export type RouteKind = 'api' | 'events' | 'media' | 'page' | 'asset';

/**
 * The checks every request passes before anything of it is read or done (the security model of web mode, see
 * docs/ARCHITECTURE.md):
 * 1. `Host` is an address of this server with its port (DNS rebinding: a page of evil.com rebound to 127.0.0.1
 *    still sends `Host: evil.com`);
 * 2. `Origin`, when sent, is this server's own, and `Sec-Fetch-Site`, when sent, is `same-origin` or `none`: every
 *    other port of 127.0.0.1 is the *same site*, so a cookie or SameSite would not tell it apart;
 * 3. the token: for the API and its event stream only in `Authorization: Bearer` — a header no cross-origin page can
 *    add without a CORS preflight, which this server never grants; for media (fetched by <img>) and the page also as
 *    `?token=`. There is no cookie: cookies are shared by all ports of a host, so the attacker's own server on
 *    another port would receive it;
 * 4. API calls are `application/json`, the one body type no form and no no-cors fetch can send.
 */
export interface RequestGuard {
  /** The refusal for `req`, or null when it may go on. */
  check(req: http.IncomingMessage, url: URL, kind: RouteKind): ApiError | null;
  hosts: ReadonlySet<string>;
}

export function createRequestGuard(o: {
  /** null: the caller checks the token (the team server's per-user sessions, after these checks). */
  token: string | null;
  host: string;
  port: number;
  extraHosts?: string[];
}): RequestGuard {
  const hosts = allowedHosts(o.host, o.port, o.extraHosts ?? []);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  const expected = Buffer.from(o.token ?? '');
  const tokenMatches = (given: string | null | undefined) => {
    if (o.token === null) return true;
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === expected.length && timingSafeEqual(b, expected);
  };
  return {
    hosts,
    check(req, url, kind) {
      const host = (req.headers.host ?? '').toLowerCase();
      if (!hosts.has(host))
        return new ApiError(
          'forbidden',
          `Host "${host}" is not this server (${o.host}:${o.port}): refused, as a page of another site may be behind it`,
        );
      const origin = req.headers.origin;
      if (origin !== undefined && !origins.has(origin.toLowerCase()))
        return new ApiError(
          'forbidden',
          `requests from ${origin} are refused: only this server's own page may call it`,
        );
      const site = req.headers['sec-fetch-site'];
      // Opening the app's page as a new top-level document (a link to the printed URL in a local notebook, say) is
      // fine from anywhere: it has no effect, and the other page cannot read the document it opens.
      const topLevel =
        kind === 'page' && req.headers['sec-fetch-mode'] === 'navigate' && req.headers['sec-fetch-dest'] === 'document';
      if (site !== undefined && site !== 'same-origin' && site !== 'none' && !topLevel)
        return new ApiError('forbidden', `a ${site} request is refused: only this server's own page may call it`);
      if (kind === 'asset') return null; // the renderer build: the same files for everyone, nothing of the project
      const { bearer, inUrl } = givenToken(req, url, kind);
      if (!tokenMatches(bearer) && !tokenMatches(inUrl))
        return new ApiError(
          'unauthorized',
          kind === 'api' || kind === 'events'
            ? 'missing or wrong token: the API takes it only as "Authorization: Bearer <token>"'
            : 'missing or wrong token (open the URL the server printed)',
        );
      if (kind === 'api') {
        const type = (req.headers['content-type'] ?? '').toLowerCase();
        if (!/^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/.test(type))
          return new ApiError(
            'unsupported_media_type',
            `the API takes only application/json request bodies${type ? `, not ${type}` : ' (no Content-Type given)'}`,
          );
      }
      return null;
    },
  };
}

/** The token a request gives: in `Authorization: Bearer`, and for media and the page also as `?token=`. */
export function givenToken(
  req: http.IncomingMessage,
  url: URL,
  kind: RouteKind,
): { bearer: string | null; inUrl: string | null } {
  const auth = req.headers.authorization;
  return {
    bearer: auth?.startsWith('Bearer ') ? auth.slice(7) : null,
    inUrl: kind === 'media' || kind === 'page' ? url.searchParams.get('token') : null,
  };
}

/** `host:port` strings (lower case) a request may name: the listening address, and localhost for loopback. */
function allowedHosts(host: string, port: number, extra: string[]): Set<string> {
  const names = new Set<string>([host.toLowerCase(), ...extra.map((h) => h.toLowerCase())]);
  const loopback = (h: string) => h === 'localhost' || h === '::1' || /^127\./.test(h);
  if (loopback(host)) names.add('localhost');
  if (host === 'localhost') for (const a of ['127.0.0.1', '::1']) names.add(a);
  if (host === '0.0.0.0' || host === '::') {
    names.add('localhost');
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (a.family === 'IPv4' || !host.includes('.')) names.add(a.address.toLowerCase());
  }
  const out = new Set<string>();
  for (const n of names) {
    const h = n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
    out.add(`${h}:${port}`);
    if (port === 80) out.add(h);
  }
  return out;
}
