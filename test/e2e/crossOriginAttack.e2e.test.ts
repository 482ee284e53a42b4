// Issue 10's attack, for real: the web-mode server and its app page on one port of 127.0.0.1, an attacking page
// served by a second HTTP server on another port, both opened in Debian's Chromium. The attacking page tries every
// way a page can send or load (test/support/crossOriginAttack.ts) — in a fresh browser, in the browser where the
// victim opened the app with ?token=, with the token itself leaked to it, and after DNS rebinding. The project
// database and the folders must not change, no exported file may appear, and nothing of the project may be seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { startServer } from '../../src/server/startServer.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';
import { makeAttackProject, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import {
  REBIND_FLAGS,
  runAttackPage,
  runRebindingPage,
  serveAttackPage,
  type AttackTarget,
  type Observation,
} from '../support/crossOriginAttack.ts';

const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

let browser: Browser,
  rebindBrowser: Browser,
  p: AttackProject,
  server: Awaited<ReturnType<typeof startServer>>,
  target: AttackTarget;
const pwned = () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.includes('pwned')) found.push(path.join(dir, e.name));
  };
  walk(p.base);
  return found;
};
/** What a page may see of a refused attempt: nothing that carries the project's data. */
const leaks = (seen: Observation[]) =>
  seen.filter((o) => /loaded \d|readable:|status 2\d\d|^open$/.test(o.seen)).map((o) => `${o.attempt}: ${o.seen}`);

beforeAll(async () => {
  ensureBuild(PROJECT_ROOT, () => undefined);
  p = await makeAttackProject();
  server = await startServer({
    service: p.project.service,
    root: p.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  target = { victim: `http://127.0.0.1:${server.port}`, imageId: p.imageId, exportDirs: [p.root, p.base, p.outside] };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  rebindBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...REBIND_FLAGS] });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await rebindBrowser?.close();
  await server?.close();
  p?.close();
});

describe('a page on another port of 127.0.0.1 against web mode', () => {
  it('writes nothing and sees nothing: fresh browser, after the victim opened the app, with the token leaked', async () => {
    const context = await browser.newContext();
    const victim = await context.newPage();
    await victim.goto(server.url); // the app page, opened with ?token= as the CLI prints it
    await victim.waitForFunction(() => window.studio?.snapshot().current !== null);
    await victim.waitForTimeout(1500); // thumbnails and prefetch settle (the event stream stays open)
    // The state the attack must leave as it is (opening an image marks it in progress: the app's own write).
    const before = projectSnapshot(p);

    const fresh = await browser.newContext();
    const runs: [string, Observation[]][] = [];
    for (const [label, ctx, t] of [
      ['fresh browser', fresh, target],
      ['victim browser', context, target],
      ['token leaked to the page', context, { ...target, token: server.token }],
    ] as const) {
      const attacker = await serveAttackPage(t);
      try {
        runs.push([label, await runAttackPage(ctx, attacker.url)]);
      } finally {
        await attacker.close();
      }
    }
    await fresh.close();
    for (const [label, seen] of runs) {
      expect(seen.length, label).toBeGreaterThan(40);
      expect(leaks(seen), label).toEqual([]);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(pwned()).toEqual([]);
    expect(projectSnapshot(p)).toBe(before);

    // Control: the same write from the app's own page, with its token, does land (the check can see a write).
    const ok = await victim.evaluate(
      async ([imageId, token]) =>
        (
          await fetch('/api/setStatus', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: JSON.stringify({ imageId, status: 'skipped' }),
          })
        ).status,
      [p.imageId, server.token] as const,
    );
    expect(ok).toBe(200);
    expect(projectSnapshot(p)).not.toBe(before);
    await context.close();
  }, 120_000);

  it('after DNS rebinding (same origin to the browser, Host: rebind.test) nothing gets through either', async () => {
    const before = projectSnapshot(p);
    const seen = await runRebindingPage(rebindBrowser, { ...target, token: server.token });
    expect(seen.length).toBeGreaterThan(40);
    expect(leaks(seen)).toEqual([]);
    // Same-origin requests are readable by the page: each one it could read was a refusal.
    const readable = seen.filter((o) => /^status /.test(o.seen)).map((o) => o.seen);
    expect(readable.length).toBeGreaterThan(0);
    expect(new Set(readable)).toEqual(new Set(['status 403']));
    expect(pwned()).toEqual([]);
    expect(projectSnapshot(p)).toBe(before);
  }, 60_000);
});
