import type http from 'node:http';
import { API_ERROR_STATUS } from '../contract/apiErrors.ts';
import { failureOf, type ApiFailure } from '../contract/dispatch.ts';

/**
 * Headers on every response: no MIME sniffing, no embedding by other origins (Cross-Origin-Resource-Policy stops
 * an <img>/<script> of another port from loading even what it could name), never in a frame, no Referer, and no
 * CORS header at all, so no other origin reads a response.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  o: { closeConnection?: boolean } = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    // A body left unread is not drained: the connection closes after this answer.
    ...(o.closeConnection ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

/**
 * Every failure answered in one place: `{ error, code, details? }` (as dispatch gives it: a contract violation's
 * issues, a stale edit's current annotation, so the client can rebase without another round trip) with the code's
 * status. `bodyUnread`: the request's body was not read, so the connection closes instead of reading it.
 */
export function sendFailure(res: http.ServerResponse, f: ApiFailure, o: { bodyUnread?: boolean } = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { ok: _ok, ...body } = f;
  sendJson(res, API_ERROR_STATUS[f.code], body, { closeConnection: o.bodyUnread });
}

/** Any thrown value answered as its failure (failureOf: the one mapping of errors to codes). */
export function sendError(res: http.ServerResponse, e: unknown, o: { bodyUnread?: boolean } = {}): void {
  sendFailure(res, failureOf(e), o);
}

/** Whether a request announces a body (so refusing it before reading must close the connection). */
export function hasBody(req: http.IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
