import type http from 'node:http';
import { TEAM_LOGIN_MARK, TEAM_LOGIN_PAGE } from '../contract/apiRoutes.ts';
import { SECURITY_HEADERS } from './httpReplies.ts';

/** The team server's login routes: the page, and its script (a file of its own: the CSP allows no inline script). */
export const LOGIN_PAGE = TEAM_LOGIN_PAGE;
export const LOGIN_SCRIPT = '/login.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'";

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${TEAM_LOGIN_MARK}<title>SimplePose Studio — team login</title>
<style>body{font:15px system-ui;margin:4em auto;max-width:22em}label{display:block;margin:.8em 0}
input{width:100%;padding:.4em}#error{color:#b00020;min-height:1.4em}</style></head>
<body><h1>Team project</h1>
<form id="login"><label>User <input id="name" name="name" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
<p id="error" role="alert"></p><button type="submit">Log in</button></form>
<script src="${LOGIN_SCRIPT}"></script></body></html>`;

// The session token goes to the app as ?token= (the review app reads it there and sends it as a Bearer header).
const SCRIPT = `document.getElementById('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = document.getElementById('error');
  error.textContent = '';
  const body = JSON.stringify({ name: document.getElementById('name').value, password: document.getElementById('password').value });
  const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const reply = await r.json().catch(() => ({ error: 'the server did not answer with JSON' }));
  if (!r.ok) { error.textContent = reply.error || 'login failed'; return; }
  location.replace('/?token=' + encodeURIComponent(reply.token));
});
`;

export function sendLoginPage(res: http.ServerResponse, pathname: string): void {
  const [type, text] = pathname === LOGIN_SCRIPT ? ['text/javascript', SCRIPT] : ['text/html; charset=utf-8', HTML];
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    'Content-Security-Policy': CSP,
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
