// `simplepose serve` as a user starts it: --host 0.0.0.0 warns that the project is then reachable from the network,
// --exchange-dir is the only folder the app's export/import may use, and the Host check follows the listening address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeAttackProject, type AttackProject } from '../support/attackProject.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

let p: AttackProject;
beforeAll(async () => {
  p = await makeAttackProject();
  p.project.close(); // the served process opens the project itself
}, 60_000);
afterAll(() => p?.close());

async function serve(
  ...args: string[]
): Promise<{ child: ChildProcess; info: { url: string; port: number }; err: () => string }> {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', p.root, '--json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
  return { child, info: JSON.parse(line), err: () => err };
}
const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('simplepose serve', () => {
  it('--host 0.0.0.0 warns; --exchange-dir confines export and import to that folder', async () => {
    const exchange = path.join(p.base, 'exchange');
    mkdirSync(exchange);
    const { child, info, err } = await serve('--host', '0.0.0.0', '--exchange-dir', exchange);
    try {
      expect(err()).toMatch(/warning: --host 0\.0\.0\.0 makes the project reachable from the network/);
      const token = new URL(info.url).searchParams.get('token');
      const call = (body: unknown, host = `127.0.0.1:${info.port}`) =>
        fetch(`http://127.0.0.1:${info.port}/api/exportCoco`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Host: host },
          body: JSON.stringify(body),
        });
      const inside = await call({ path: path.join(exchange, 'out.json'), onlyReviewed: false, kind: 'gt' });
      expect(inside.status).toBe(200);
      expect(existsSync(path.join(exchange, 'out.json'))).toBe(true);
      const root = await call({ path: path.join(p.root, 'out.json'), onlyReviewed: false, kind: 'gt' });
      expect([root.status, ((await root.json()) as { error: string }).error]).toEqual([
        403,
        expect.stringMatching(/outside the exchange folder/),
      ]);
      expect(existsSync(path.join(p.root, 'out.json'))).toBe(false);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
  it('on 127.0.0.1 (the default): no warning; --exchange-dir must exist', async () => {
    const { child, err } = await serve();
    expect(err()).not.toMatch(/warning/);
    expect(await stop(child)).toBe(0);
    await expect(serve('--exchange-dir', path.join(p.base, 'nope'))).rejects.toThrow(/--exchange-dir .*no such folder/);
  });
});
