import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { ApiError } from '../contract/apiErrors.ts';
import { API_PREFIX, EVENTS_ROUTE, MEDIA_PATH, methodOfRoute } from '../contract/apiRoutes.ts';
import { isValidEvent } from '../contract/checkPayload.ts';
import { dispatch } from '../contract/dispatch.ts';
import { POSE_EVENTS, type PoseEventName } from '../contract/poseApi.ts';
import type { ProjectService } from '../node/project/projectService.ts';
import { readMedia } from '../node/project/projectMedia.ts';
import { createRequestGuard, type RouteKind } from './requestGuard.ts';
import { hasBody, SECURITY_HEADERS, sendError, sendFailure, sendJson } from './httpReplies.ts';
import { declaredTooLarge, DEFAULT_MAX_BODY_BYTES, readJsonBody } from './readJsonBody.ts';
import { isPagePath, sendStatic } from './staticFiles.ts';

export interface ServerOptions {
  service: ProjectService;
  root: string;
  host?: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
  maxBodyBytes?: number;
  /** Host names (without port) requests may also name, beside the listening address (and localhost). */
  extraHosts?: string[];
  /** The renderer build (index.html + assets) served at `/`; absent until the app is built. */
  staticDir?: string;
}

/**
 * The local web mode: POST /api/<method> (JSON, validated against the contract both ways), GET /api/events
 * (server-sent events), GET /images/<id>, /thumbs/<id>, /maps/<id> (readMedia), and the renderer build at `/` when
 * `staticDir` is given. Binds 127.0.0.1 by default. Every request passes the RequestGuard (Host, Origin, token,
 * Content-Type) before its body is read; every failure is `{ error, code }` with the code's status (sendError).
 */
export async function startServer(
  o: ServerOptions,
): Promise<{ url: string; token: string; port: number; close(): Promise<void> }> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const maxBody = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const host = o.host ?? '127.0.0.1';
  const clients = new Set<http.ServerResponse>();
  let guard: ReturnType<typeof createRequestGuard> | null = null; // once the port is known

  /** The route of a request and its refusal, decided from the request line and headers alone. */
  function precheck(req: http.IncomingMessage): { url: URL; kind: RouteKind | null; refusal: ApiError | null } {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const kind = routeKind(url.pathname, req.method ?? '');
    let refusal = guard!.check(req, url, kind ?? 'events'); // unknown routes: the API's token rule, no body type
    if (!refusal && kind === null)
      refusal = url.pathname.startsWith(API_PREFIX)
        ? new ApiError('method_not_allowed', 'the API takes POST (GET for /api/events)')
        : new ApiError(o.staticDir ? 'method_not_allowed' : 'not_found', o.staticDir ? 'use GET' : 'not found');
    if (!refusal && kind === 'api') refusal = declaredTooLarge(req, maxBody);
    return { url, kind, refusal };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, asked = false): Promise<void> {
    const { url, kind, refusal } = precheck(req);
    if (refusal) return sendError(res, refusal, { bodyUnread: hasBody(req) });
    if (asked) res.writeContinue();
    if (kind === 'events') return openEvents(res);
    if (kind === 'api') {
      const method = methodOfRoute(url.pathname);
      if (!method)
        return sendError(res, new ApiError('not_found', `unknown method ${url.pathname.slice(API_PREFIX.length)}`), {
          bodyUnread: hasBody(req),
        });
      let body: unknown;
      try {
        body = await readJsonBody(req, maxBody);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'too_large') return refuseWhileStreaming(req, res, e);
        return sendError(res, e, { bodyUnread: true });
      }
      const reply = await dispatch(o.service, method, body);
      return reply.ok ? sendJson(res, 200, reply.value) : sendFailure(res, reply);
    }
    if (kind === 'media') {
      const r = await readMedia(o.service, url.pathname);
      res.writeHead(r.status, {
        ...SECURITY_HEADERS,
        'Content-Type': r.type,
        'Content-Length': r.body.length,
        'Cache-Control': r.cache ? 'private, max-age=3600' : 'no-store',
      });
      res.end(r.body);
      return;
    }
    return sendStatic(res, o.staticDir!, url.pathname);
  }

  function routeKind(pathname: string, method: string): RouteKind | null {
    if (pathname === EVENTS_ROUTE) return method === 'GET' ? 'events' : null;
    if (pathname.startsWith(API_PREFIX)) return method === 'POST' && /^\/api\/[A-Za-z]+$/.test(pathname) ? 'api' : null;
    if (method !== 'GET') return null;
    if (MEDIA_PATH.test(pathname)) return 'media';
    if (!o.staticDir) return null;
    return isPagePath(pathname) ? 'page' : 'asset';
  }

  function openEvents(res: http.ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  }
  for (const name of Object.keys(POSE_EVENTS) as PoseEventName[]) {
    o.service.events.on(name, (payload: unknown) => {
      if (!isValidEvent(name, payload)) return; // never push an event that breaks the contract
      for (const c of clients) c.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
  }

  const server = http.createServer((req, res) => void handle(req, res).catch((e) => sendError(res, e)));
  // `Expect: 100-continue` (curl, for large bodies): the body is sent only once every check has passed.
  server.on('checkContinue', (req, res) => void handle(req, res, true).catch((e) => sendError(res, e)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  guard = createRequestGuard({ token, host, port, extraHosts: o.extraHosts });
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * A streamed body that passed the limit: the 413 goes out at once, then the rest of the body is read and dropped for
 * a short while before the connection is cut. Closing at once would reset a connection whose client is still
 * sending, and the reset can reach the client before the 413 does (it then sees only "connection reset").
 */
function refuseWhileStreaming(req: http.IncomingMessage, res: http.ServerResponse, e: ApiError): void {
  sendError(res, e);
  let drained = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    drained += c.length;
    if (drained > LINGER_BYTES) cut();
  });
  req.on('end', () => clearTimeout(timer));
  req.resume();
}
const LINGER_MS = 2000;
const LINGER_BYTES = 16 << 20;
