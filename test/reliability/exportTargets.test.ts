// Issue 12's export defects over real HTTP against the real server: a relative file name is written into the
// exchange folder (never the server's working directory) and the answer gives the full path; a folder that cannot
// be written is a 403 with the reason (it was a 500). As root, permissions do not stop a write: the folder is made
// immutable (chattr +i, which stops root too) instead of read-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../src/server/startServer.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { send as rawSend } from '../support/rawHttp.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const TOKEN = 'export-targets-token-0123456789abcdef';
let project: OpenProject, server: Awaited<ReturnType<typeof startServer>>, root: string;
const api = (method: string, body: unknown) =>
  rawSend(server.port, 'POST', `/api/${method}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'sp-export-'));
  copyFileSync(
    path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', '000001.jpg'),
    path.join(root, 'a.jpg'),
  );
  project = await openProjectFolder(root);
  await project.service.setStatus({ imageId: 1, status: 'no_person' });
  server = await startServer({ service: project.service, root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await project?.close();
});

describe('web-mode exports', () => {
  it('a relative name lands in the exchange folder (the project folder) and the answer names the full path', async () => {
    const cwd = process.cwd();
    const r = await api('exportCoco', { path: 'relative.json', onlyReviewed: true, kind: 'gt' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ images: 1, path: path.join(root, 'relative.json') });
    expect(existsSync(path.join(root, 'relative.json'))).toBe(true);
    expect(existsSync(path.join(cwd, 'relative.json'))).toBe(false);
    const sub = await api('exportCoco', { path: '../escape.json', onlyReviewed: true, kind: 'gt' });
    expect([sub.status, sub.json?.code]).toEqual([403, 'forbidden']); // still confined to the exchange folder
  });

  it('a folder that cannot be written: 403 with the file and the reason, never 500', async () => {
    const locked = path.join(root, 'locked');
    mkdirSync(locked);
    const asRoot = process.getuid?.() === 0;
    const lock = () => {
      if (asRoot) return spawnSync('chattr', ['+i', locked]).status === 0;
      chmodSync(locked, 0o500);
      return true;
    };
    const unlock = () => (asRoot ? spawnSync('chattr', ['-i', locked]) : chmodSync(locked, 0o700));
    if (!lock()) throw new Error(`cannot make ${locked} unwritable here (chattr +i failed)`);
    try {
      const r = await api('exportCoco', { path: path.join(locked, 'out.json'), onlyReviewed: true, kind: 'gt' });
      expect([r.status, r.json?.code]).toEqual([403, 'forbidden']);
      expect(r.json?.error).toBe(
        `cannot write ${path.join(locked, 'out.json')}: the folder is not writable (${asRoot ? 'EPERM' : 'EACCES'})`,
      );
    } finally {
      unlock();
    }
  });
});
