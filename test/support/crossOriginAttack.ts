// The cross-origin attack of issue 10, as a real page: served by a second HTTP server on another port of 127.0.0.1
// (any local dev server or notebook), opened in Chromium, it tries everything a page can send to the web-mode
// server (fetch text/plain / no-cors / cors, XHR, forms of all three encodings, sendBeacon, img/script tags,
// EventSource, frames), with and without the token, and records what it could observe. Used by the e2e test and by
// `npm run bench:attack`, which count the writes in the project database and the folder (target 0).
import http from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';

export interface AttackTarget {
  /** http://127.0.0.1:PORT of the web-mode server. */
  victim: string;
  imageId: number;
  /** Folders an export could be aimed at (inside and outside the project). */
  exportDirs: string[];
  /** The token, when the attack is run as if it had leaked (it still must not work from a page). */
  token?: string;
}

export interface Observation {
  attempt: string;
  /** What the page could see: 'blocked', 'opaque' (no-cors: sent, unreadable), a status, 'loaded 97x61', … */
  seen: string;
}

/** The write requests of the attack, by method (`exportCoco#i`: an export into `exportDirs[i]`). */
export function attackBodies(t: AttackTarget): Record<string, unknown> {
  return {
    setStatus: { imageId: t.imageId, status: 'accepted' },
    saveEdits: {
      imageId: t.imageId,
      revision: 0,
      steps: [
        {
          kind: 'do',
          seq: 1,
          diff: { added: { x: { id: 'x', joints: Array(17).fill(null), crowd: false } }, updated: {}, removed: {} },
          label: 'pwned',
        },
      ],
    },
    ...Object.fromEntries(
      t.exportDirs.map((d, i) => [
        `exportCoco#${i}`,
        { path: path.join(d, `pwned-${i}.json`), onlyReviewed: false, kind: 'gt' },
      ]),
    ),
  };
}

/** The attacking page's script: every attempt in parallel, each within 4 s; results in `window.attackResults`. */
function attackScript(t: AttackTarget): string {
  const q = t.token ? `?token=${encodeURIComponent(t.token)}` : '';
  const bodies = attackBodies(t);
  return `
const V = ${JSON.stringify(t.victim)}, Q = ${JSON.stringify(q)}, TOKEN = ${JSON.stringify(t.token ?? 'guessed-token')};
const BODIES = ${JSON.stringify(bodies)};
const results = [];
const limit = (p) => Promise.race([p, new Promise((r) => setTimeout(() => r('timeout'), 4000))]);
const seen = async (attempt, f) => {
  let s;
  try { s = String(await limit(f())); } catch (e) { s = 'blocked (' + e.name + ')'; }
  results.push({ attempt, seen: s });
};
const res = (r) => r.type === 'opaque' ? 'opaque' : 'status ' + r.status;
const url = (m, withQ) => V + '/api/' + m.split('#')[0] + (withQ ? Q : '');
const frame = (name) => { const f = document.createElement('iframe'); f.name = name; document.body.append(f); return f; };
const formPost = (m, body, enctype) => new Promise((resolve) => {
  const json = JSON.stringify(body);
  const cut = json.lastIndexOf('"', json.length - 2); // name=value puts '=' inside the last string value
  const f = frame('f' + Math.random());
  const form = document.createElement('form');
  form.method = 'POST'; form.action = url(m, true); form.enctype = enctype; form.target = f.name;
  const input = document.createElement('input');
  input.name = json.slice(0, cut); input.value = json.slice(cut);
  form.append(input); document.body.append(form);
  f.onload = () => resolve('frame loaded (unreadable)');
  form.submit();
});
const tag = (kind, src) => new Promise((resolve) => {
  const el = document.createElement(kind);
  el.onload = () => resolve(kind === 'img' ? 'loaded ' + el.naturalWidth + 'x' + el.naturalHeight : 'loaded');
  el.onerror = () => resolve('error');
  el.src = src; document.body.append(el);
});
const attempts = [];
for (const [m, body] of Object.entries(BODIES)) {
  const json = JSON.stringify(body);
  attempts.push(
    seen(m + ' fetch no-cors text/plain', async () => res(await fetch(url(m), { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: json }))),
    seen(m + ' fetch no-cors credentials+token-in-url', async () => res(await fetch(url(m, true), { method: 'POST', mode: 'no-cors', credentials: 'include', body: json }))),
    seen(m + ' fetch keepalive', async () => res(await fetch(url(m, true), { method: 'POST', mode: 'no-cors', keepalive: true, credentials: 'include', body: json }))),
    seen(m + ' fetch cors application/json', async () => res(await fetch(url(m), { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: json }))),
    seen(m + ' fetch cors Bearer', async () => res(await fetch(url(m), { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + TOKEN }, body: json }))),
    seen(m + ' XHR text/plain withCredentials', () => new Promise((resolve, reject) => {
      const x = new XMLHttpRequest(); x.open('POST', url(m, true)); x.withCredentials = true;
      x.onload = () => resolve('status ' + x.status); x.onerror = () => reject(new TypeError('xhr'));
      x.send(json);
    })),
    seen(m + ' sendBeacon text/plain', async () => navigator.sendBeacon(url(m, true), new Blob([json], { type: 'text/plain' })) ? 'queued' : 'refused'),
    seen(m + ' sendBeacon urlencoded', async () => navigator.sendBeacon(url(m, true), new URLSearchParams({ [json]: '' })) ? 'queued' : 'refused'),
    seen(m + ' form text/plain', () => formPost(m, body, 'text/plain')),
    seen(m + ' form urlencoded', () => formPost(m, body, 'application/x-www-form-urlencoded')),
    seen(m + ' form multipart', () => formPost(m, body, 'multipart/form-data')),
  );
}
for (const route of ['images', 'thumbs', 'maps'])
  for (const withQ of [false, true]) {
    const src = V + '/' + route + '/' + ${t.imageId} + (withQ ? Q : '');
    attempts.push(
      seen('img ' + route + (withQ ? ' +token' : ''), () => tag('img', src)),
      seen('script ' + route + (withQ ? ' +token' : ''), () => tag('script', src)),
      seen('fetch cors GET ' + route + (withQ ? ' +token' : ''), async () => res(await fetch(src, { credentials: 'include' }))),
    );
  }
attempts.push(
  seen('EventSource withCredentials', () => new Promise((resolve) => {
    const es = new EventSource(V + '/api/events' + Q, { withCredentials: true });
    es.onopen = () => resolve('open'); es.onerror = () => { es.close(); resolve('error'); };
  })),
  seen('fetch no-cors GET /api/events', async () => res(await fetch(V + '/api/events' + Q, { mode: 'no-cors', credentials: 'include' }))),
  seen('iframe of the app', () => new Promise((resolve) => {
    const f = frame('app'); f.onload = () => { try { resolve('readable: ' + f.contentDocument.title); } catch { resolve('loaded (unreadable)'); } };
    f.src = V + '/' + Q;
  })),
);
window.attackResults = Promise.all(attempts).then(() => results);
`;
}

/** A second HTTP server (another port of 127.0.0.1) serving the attacking page; closes with `close()`. */
export async function serveAttackPage(t: AttackTarget): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><title>innocent notebook</title><body><script>${attackScript(t)}</script></body>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/notebook`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Opens the attacking page in `context` and returns what it observed once every attempt has settled. */
export async function runAttackPage(context: BrowserContext, pageUrl: string): Promise<Observation[]> {
  const page = await context.newPage();
  try {
    await page.goto(pageUrl);
    const results = (await page.evaluate('window.attackResults')) as Observation[];
    await page.waitForTimeout(500); // beacons and keepalive requests leave after the page's own promises
    return results;
  } finally {
    await page.close();
  }
}

/**
 * The page as it would be after DNS rebinding: loaded from `rebind.test:<victim port>` (the browser resolves the
 * name to 127.0.0.1), so its requests are same-origin to the browser and reach the victim with `Host: rebind.test`.
 */
export async function runRebindingPage(browser: Browser, t: AttackTarget): Promise<Observation[]> {
  const port = new URL(t.victim).port;
  const origin = `http://rebind.test:${port}`;
  const context = await browser.newContext();
  try {
    await context.route(`${origin}/notebook`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><body><script>${attackScript({ ...t, victim: origin })}</script></body>`,
      }),
    );
    return await runAttackPage(context, `${origin}/notebook`);
  } finally {
    await context.close();
  }
}

/**
 * Chromium flags for the rebinding run: `rebind.test` resolves to 127.0.0.1 (the rebinding step), and Chromium's own
 * Local/Private Network Access checks are off, as in browsers without them (Firefox, Safari): the server must hold
 * on its own.
 */
export const REBIND_FLAGS = [
  '--host-resolver-rules=MAP rebind.test 127.0.0.1',
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults',
];
