// Exchange paths that name something other than a regular file. Before the fix, an export or import aimed at a
// FIFO inside the project folder blocked the served process in a synchronous open() — the whole server stopped
// answering, for every window — and an export aimed at a device node (as root: `--out /dev/null`, or a node in the
// folder) replaced the device with a JSON file. Both are refused now, at once, with a message; the node stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { main, type CliIo } from '../../src/cli/main.ts';
import { makeAttackProject, type AttackProject } from '../support/attackProject.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const isRoot = process.getuid?.() === 0;

let p: AttackProject;
beforeAll(async () => {
  p = await makeAttackProject();
  p.project.close(); // the served process opens the project itself
  execFileSync('mkfifo', [path.join(p.root, 'pipe.json')]);
  if (isRoot) execFileSync('mknod', [path.join(p.root, 'null.json'), 'c', '1', '3']); // a /dev/null of its own
}, 60_000);
afterAll(() => p?.close());

async function serve(): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', p.root, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', () => reject(new Error('serve exited')));
  });
  const url = new URL(JSON.parse(line).url);
  return { child, port: Number(url.port), token: url.searchParams.get('token')! };
}

describe('exchange paths that are not regular files', () => {
  it('web mode: export to / import from a FIFO, or onto a device, is refused at once; the server keeps answering', async () => {
    const { child, port, token } = await serve();
    const call = async (method: string, body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000), // a blocked server never answers
      });
      return [r.status, ((await r.json()) as { error?: string }).error ?? ''] as const;
    };
    try {
      const fifo = path.join(p.root, 'pipe.json');
      expect(await call('exportCoco', { path: fifo, onlyReviewed: false, kind: 'gt' })).toEqual([
        403,
        expect.stringMatching(/not a regular file/),
      ]);
      expect(await call('importCoco', { path: fifo })).toEqual([400, expect.stringMatching(/not a regular file/)]);
      if (isRoot) {
        const device = path.join(p.root, 'null.json');
        expect(await call('exportCoco', { path: device, onlyReviewed: false, kind: 'gt' })).toEqual([
          403,
          expect.stringMatching(/not a regular file/),
        ]);
        expect(lstatSync(device).isCharacterDevice()).toBe(true);
      }
      expect((await call('projectInfo', {}))[0]).toBe(200);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    } finally {
      child.kill('SIGKILL'); // a server blocked in open() cannot run its SIGTERM handler
    }
  }, 30_000);
  it.runIf(isRoot)('the CLI never replaces a device node with its export (exit 2, the node kept)', async () => {
    const err: string[] = [];
    const io: CliIo = { out: () => undefined, err: (l) => err.push(l) };
    const device = path.join(p.root, 'null.json');
    const code = await main(['export', '--project', path.join(p.root, '.simplepose.sqlite'), '--out', device], io);
    expect([code, err.join('\n')]).toEqual([2, expect.stringMatching(/not a regular file/)]);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });
});
