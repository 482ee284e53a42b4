import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../contract/apiErrors.ts';
import { LoginThrottle } from './loginThrottle.ts';
import { API_PREFIX, EVENTS_ROUTE, MEDIA_PATH, methodOfRoute, parseMediaPath } from '../contract/apiRoutes.ts';
import { isValidEvent } from '../contract/checkPayload.ts';
import { dispatch } from '../contract/dispatch.ts';
import type { PoseApi, PoseEventName } from '../contract/poseApi.ts';
import { ClientId, EDITING_EXPIRY_MS } from '../contract/presenceApi.ts';
import { IMAGE_TYPES } from '../node/project/projectMedia.ts';
import { reviewSettingsOf } from '../node/project/reviewSettingsService.ts';
import type { TeamDb } from '../node/team/openTeamDb.ts';
import { loginTeamUser, logoutTeamUser, sessionUser } from '../node/team/teamAccounts.ts';
import { listenTeam, type TeamEvent } from '../node/team/teamEvents.ts';
import { teamPoseApi, type TeamApiOptions } from '../node/team/teamPoseApi.ts';
import { teamService } from '../node/team/teamService.ts';
import type { TeamUser } from '../node/team/teamUserRepository.ts';
import { hasBody, SECURITY_HEADERS, sendError, sendFailure, sendJson } from './httpReplies.ts';
import { declaredTooLarge, DEFAULT_MAX_BODY_BYTES, readJsonBody } from './readJsonBody.ts';
import { createRequestGuard, givenToken, type RouteKind } from './requestGuard.ts';
import { isPagePath, sendStatic } from './staticFiles.ts';
import { LOGIN_PAGE, LOGIN_SCRIPT, sendLoginPage } from './teamLoginPage.ts';
import { editorNames, TeamPresence } from './teamPresence.ts';

export interface TeamServerOptions extends TeamApiOptions {
  team: TeamDb;
  host?: string;
  port?: number;
  extraHosts?: string[];
  staticDir?: string;
  /** How long a window that stopped saying which image it has open is believed (default EDITING_EXPIRY_MS). */
  presenceExpiryMs?: number;
}

/** An open events stream: whose, and which window of theirs (null: a stream that did not name one). */
interface EventClient {
  user: TeamUser;
  window: string | null;
}

/** Events streams one user may have open at once (twice the windows presence keeps of a user: TeamPresence). */
const STREAMS_PER_USER = 32;
const LOGIN_ROUTE = '/api/login';
const LOGOUT_ROUTE = '/api/logout';

/**
 * The team server: web mode's HTTP adapter for a team project. The same routes, contract and checks (the
 * RequestGuard's Host, Origin, Sec-Fetch-Site and JSON-only rules, every one before a body is read), with a per-user
 * session instead of the launch token: POST /api/login (name, password) gives a session token, sent as
 * `Authorization: Bearer` (and `?token=` for media and the page, as web mode does); each API call is answered by
 * that user's team API (teamPoseApi). Plain HTTP: put it behind a TLS proxy (docs/ARCHITECTURE.md) before any
 * password crosses a network.
 */
export async function startTeamServer(
  o: TeamServerOptions,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = o.host ?? '127.0.0.1';
  let guard: ReturnType<typeof createRequestGuard> | null = null;
  const clients = new Map<http.ServerResponse, EventClient>();
  const throttle = new LoginThrottle();
  const presence = new TeamPresence(o.presenceExpiryMs);
  const told = (imageIds: number[]) => void announce(imageIds).catch(() => undefined);
  const sweep = setInterval(
    () => told(presence.expire()),
    Math.min(5000, (o.presenceExpiryMs ?? EDITING_EXPIRY_MS) / 4),
  );
  sweep.unref();

  async function userOf(req: http.IncomingMessage, url: URL, kind: RouteKind): Promise<TeamUser> {
    const { bearer, inUrl } = givenToken(req, url, kind);
    const token = bearer ?? inUrl;
    if (!token) throw new ApiError('unauthorized', `log in first (${LOGIN_PAGE})`);
    return sessionUser(o.team, token);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    const kind = routeKind(p, req.method ?? '');
    let refusal = kind ? guard!.check(req, url, kind) : new ApiError('not_found', 'not found');
    if (!refusal && kind === 'api') refusal = declaredTooLarge(req, DEFAULT_MAX_BODY_BYTES);
    if (refusal) return sendError(res, refusal, { bodyUnread: hasBody(req) });
    if (p === LOGIN_PAGE || p === LOGIN_SCRIPT) return sendLoginPage(res, p);
    if (kind === 'asset') return sendStatic(res, o.staticDir!, p);
    if (kind === 'page') {
      const token = url.searchParams.get('token');
      if (!token || !(await sessionUser(o.team, token).catch(() => null))) {
        res.writeHead(303, { ...SECURITY_HEADERS, Location: LOGIN_PAGE, 'Cache-Control': 'no-store' });
        return void res.end();
      }
      return sendStatic(res, o.staticDir!, p);
    }
    if (p === LOGIN_ROUTE) {
      const body = storable(await readJsonBody(req, DEFAULT_MAX_BODY_BYTES)) as {
        name?: unknown;
        password?: unknown;
      } | null;
      if (typeof body?.name !== 'string' || typeof body.password !== 'string')
        throw new ApiError('bad_request', 'a login is {"name": "...", "password": "..."}');
      throttle.check(body.name);
      const { token, user } = await loginTeamUser(o.team, body.name, body.password).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'unauthorized') throttle.failed(body.name as string);
        throw e;
      });
      throttle.succeeded(body.name);
      return sendJson(res, 200, { token, user });
    }
    const user = await userOf(req, url, kind!);
    if (p === LOGOUT_ROUTE) {
      await readJsonBody(req, DEFAULT_MAX_BODY_BYTES);
      await logoutTeamUser(o.team, givenToken(req, url, 'api').bearer!);
      return sendJson(res, 200, { ok: true });
    }
    if (kind === 'events') return openEvents(res, user, url);
    const api = withPresence(teamPoseApi(o.team, user, o), user);
    if (kind === 'media') return sendMedia(res, api, p);
    const method = methodOfRoute(p);
    if (!method) throw new ApiError('not_found', `unknown method ${p.slice(API_PREFIX.length)}`);
    const body = storable(await readJsonBody(req, DEFAULT_MAX_BODY_BYTES));
    const reply = await dispatch(api, method, body);
    return reply.ok ? sendJson(res, 200, reply.value) : sendFailure(res, reply);
  }

  function routeKind(pathname: string, method: string): RouteKind | null {
    if (pathname === EVENTS_ROUTE) return method === 'GET' ? 'events' : null;
    if (pathname.startsWith(API_PREFIX)) return method === 'POST' && /^\/api\/[A-Za-z]+$/.test(pathname) ? 'api' : null;
    if (method !== 'GET') return null;
    if (pathname === LOGIN_PAGE || pathname === LOGIN_SCRIPT) return 'asset'; // the same for everyone
    if (MEDIA_PATH.test(pathname)) return 'media';
    if (!o.staticDir) return null;
    return isPagePath(pathname) ? 'page' : 'asset';
  }

  /** `?client=`: the window the stream is (editingImage's `client`): it leaves its image when the stream closes. */
  function openEvents(res: http.ServerResponse, user: TeamUser, url: URL): void {
    const client = ClientId.safeParse(url.searchParams.get('client'));
    const window = client.success ? TeamPresence.windowOf(user.id, client.data) : null;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write(': connected\n\n');
    const me: EventClient = { user, window };
    clients.set(res, me);
    // one user's streams are bounded (each is a socket, and every announcement goes through each): past the bound
    // the oldest is ended — a window still there reconnects, a stream left behind by a gone one is forgotten
    const mine = [...clients].filter(([, c]) => c.user.id === user.id).map(([r]) => r);
    for (const old of mine.slice(0, Math.max(0, mine.length - STREAMS_PER_USER))) {
      clients.delete(old); // nothing more is written to it; its close forgets its window
      old.end();
    }
    res.on('close', () => {
      clients.delete(res);
      // a reconnecting window may already have its next stream open: it stays
      if (window && ![...clients.values()].some((c) => c.window === window)) told(presence.drop(window));
    });
    void (async () => {
      for (const imageId of presence.images()) await send(res, me, imageId, () => editorsEvent(imageId, window));
    })().catch(() => undefined);
  }

  /** The team API with editingImage answered from (and recorded in) this server's presence. */
  function withPresence(api: ReturnType<typeof teamPoseApi>, user: TeamUser): typeof api {
    const editingImage: PoseApi['editingImage'] = async (r) => {
      await api.editingImage(r); // may this user see the image (refused by name if not)
      // told to the others in the background: each event is the image's editors as they are when it is sent
      told(presence.set(user, r.client, r.imageId));
      const window = TeamPresence.windowOf(user.id, r.client);
      return { editors: r.imageId === null ? [] : editorNames(presence.on(r.imageId), window) };
    };
    return { ...api, editingImage };
  }

  const editorsEvent = (imageId: number, window: string | null): [PoseEventName, unknown] => [
    'imageEditors',
    { imageId, editors: editorNames(presence.on(imageId), window) },
  ];

  /** Who has these images open now, to every stream whose user may see them. */
  async function announce(imageIds: number[]): Promise<void> {
    for (const imageId of imageIds)
      for (const [res, c] of clients) await send(res, c, imageId, () => editorsEvent(imageId, c.window));
  }

  /**
   * An event about an image (null: a run's) to a stream, if its user may see the image; made once that is known, so
   * that of two announcements racing through the check the later write says who is there now.
   */
  async function send(
    res: http.ServerResponse,
    c: EventClient,
    imageId: number | null,
    event: () => [PoseEventName, unknown],
  ) {
    if (imageId !== null && c.user.role === 'annotator') {
      const ok = await teamService(o.team, c.user)
        .editing(imageId)
        .then(
          () => true,
          () => false,
        );
      if (!ok) return;
    }
    const [name, payload] = event();
    if (isValidEvent(name, payload)) res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** A team event as the contract's events, to the clients whose user may see it. */
  async function broadcast(e: TeamEvent): Promise<void> {
    for (const [res, c] of clients)
      for (const event of contractEvents(e, c.user)) await send(res, c, 'imageId' in e ? e.imageId : null, () => event);
  }
  const listener = await listenTeam(o.team.url, (e) => void broadcast(e).catch(() => undefined));

  const server = http.createServer(
    (req, res) => void handle(req, res).catch((e) => sendError(res, e, { bodyUnread: true })),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  guard = createRequestGuard({ token: null, host, port, extraHosts: o.extraHosts });
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}${LOGIN_PAGE}`,
    port,
    async close() {
      clearInterval(sweep);
      await listener.close().catch(() => undefined);
      for (const c of clients.keys()) c.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

/**
 * The body, unless a text in it (a value or a key) has a NUL character, which PostgreSQL's text cannot hold: the
 * request refused by the text's JSON path (a 400, never the database's error as a 500).
 */
function storable(body: unknown): unknown {
  const nulAt = (v: unknown, at: string): string | null => {
    if (typeof v === 'string') return v.includes('\u0000') ? at : null;
    if (typeof v !== 'object' || v === null) return null;
    for (const [k, x] of Object.entries(v)) {
      const where = Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`;
      const found = k.includes('\u0000') ? where : nulAt(x, where);
      if (found) return found;
    }
    return null;
  };
  const at = nulAt(body, '$');
  if (at)
    throw new ApiError('bad_request', `${at}: a text with a NUL character (U+0000), which a team project cannot store`);
  return body;
}

/** A team event as the contract's events for one recipient (who saved an annotation: unless it was them). */
function contractEvents(e: TeamEvent, to: TeamUser): [PoseEventName, unknown][] {
  if (e.kind === 'annotation') {
    const by = e.userName !== undefined && e.userId !== to.id ? { by: e.userName } : {};
    return [['annotationChanged', { imageId: e.imageId, revision: e.revision, ...by }]];
  }
  if (e.kind === 'reviewSettings') return [['reviewSettingsChanged', reviewSettingsOf(e.personScoreThreshold)]];
  if (e.kind !== 'progress') return [];
  const jobId = `team-run-${e.runId}`;
  const out: [PoseEventName, unknown][] = [
    ['jobProgress', { jobId, done: e.done, total: e.total, failed: e.failed, imagesPerSecond: 0, etaSeconds: null }],
  ];
  if (e.status !== 'running') out.push(['jobFinished', { jobId, status: e.status }]);
  return out;
}

async function sendMedia(res: http.ServerResponse, api: ReturnType<typeof teamPoseApi>, pathname: string) {
  const m = parseMediaPath(pathname)!;
  let body: Uint8Array;
  let type = 'image/jpeg';
  if (m.kind === 'thumbs') body = await api.thumbnail(m.imageId);
  else if (m.kind === 'maps') {
    // the latest run's maps at an unchanging URL: never kept by the browser, or a later run shows the earlier's
    body = await api.maps(m.imageId);
    type = 'application/octet-stream';
  } else {
    const file = await api.imagePath(m.imageId);
    type = IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    body = await readFile(file);
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': m.kind === 'maps' ? 'no-store' : 'private, max-age=3600',
  });
  res.end(body);
}
