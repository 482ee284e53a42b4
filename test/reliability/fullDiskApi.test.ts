// A full disk under a served project (a small tmpfs; needs root, as in CI), through real HTTP, the real service and
// SQLite: SQLITE_FULL reached the API as a 500 "internal error: database or disk is full". A full disk is the
// machine's state, not a bug of the app: every call that meets it answers 503 (as ENOSPC does) with what to do, nothing is
// half-written, and the project keeps every edit saved before and works again once there is room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { send } from '../support/rawHttp.ts';

/** A 2 MiB tmpfs; null (the test says why) when it cannot be mounted. */
function smallDisk(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-full-api-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}
const disk = smallDisk();
const TOKEN = 'full-disk-api-token-0123456789abcdef';
let project: OpenProject, server: Awaited<ReturnType<typeof startServer>>;
const ballast = () => path.join(disk!, 'ballast');

/** Fills what is left of the disk (1 KiB at a time at the end, so that not even a page fits). */
function fillDisk(): void {
  writeFileSync(ballast(), Buffer.alloc(0));
  for (const size of [1 << 20, 64 << 10, 4 << 10, 1 << 10])
    try {
      for (;;) writeFileSync(ballast(), Buffer.alloc(size), { flag: 'a' });
    } catch {
      /* this size no longer fits: try a smaller one */
    }
}

beforeAll(async () => {
  if (!disk) return;
  const root = path.join(disk, 'project');
  mkdirSync(root);
  for (const [name, colour] of [
    ['a.png', '#204060'],
    ['b.png', '#602040'],
  ])
    await sharp({ create: { width: 40, height: 30, channels: 3, background: colour } })
      .png()
      .toFile(path.join(root, name));
  project = await openProjectFolder(root);
  server = await startServer({ service: project.service, root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  project?.close();
  if (disk)
    try {
      execFileSync('umount', [disk], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
    }
});

const post = (method: string, body: unknown) =>
  send(server.port, 'POST', `/api/${method}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const joints = (x: number) => Array.from({ length: 17 }, (_, i) => ({ x: x + i, y: 5 + i, v: 2, source: 'human' }));
const addPerson = (imageId: number, revision: number, id: string) =>
  post('saveEdits', {
    imageId,
    revision,
    steps: [
      {
        kind: 'do',
        label: `add ${id}`,
        diff: { added: { [id]: { id, joints: joints(1), crowd: false } }, updated: {}, removed: {} },
      },
    ],
  });

describe.skipIf(disk === null)('a full disk under a served project (2 MiB tmpfs)', () => {
  it('edits, statuses and exports answer 503 (thumbnails are shown, uncached) "the disk is full", never 500; nothing saved before is lost', async () => {
    const ids = (await post('listImages', {})).json!.images as { id: number }[];
    const [a, b] = ids.map((x) => x.id);
    let rev = 0;
    expect((await addPerson(a, rev++, 'p0')).status).toBe(200);
    fillDisk();
    // Edits until SQLite can no longer grow its log: the first refusal must be the disk's, said as such.
    let refused: Awaited<ReturnType<typeof post>> | null = null;
    for (let i = 1; i < 400 && !refused; i++) {
      const r = await addPerson(a, rev, `p${i}`);
      if (r.status === 200) rev = (r.json as { revision: number }).revision;
      else refused = r;
    }
    expect(refused, 'no edit was refused on a full disk').not.toBeNull();
    expect([refused!.status, refused!.json?.code]).toEqual([503, 'unavailable']);
    expect(refused!.json?.error).toMatch(/disk .*full/i);
    expect(refused!.json?.error).not.toMatch(/internal|SQLITE|\n {4}at /);
    // A thumbnail not made yet: shown all the same (its cache file cannot be written).
    const thumb = await send(server.port, 'GET', `/thumbs/${b}?token=${TOKEN}`);
    expect([thumb.status, thumb.headers['content-type']]).toEqual([200, 'image/jpeg']);
    const thumbs = path.join(disk!, 'project', '.simplepose-cache', 'thumbs');
    expect(existsSync(thumbs) ? readdirSync(thumbs) : []).toEqual([]); // nothing half-written
    // Another image's status and an export meet the same full disk.
    const status = await post('setStatus', { imageId: b, status: 'skipped' });
    expect([200, 503]).toContain(status.status);
    const exported = await post('exportCoco', { path: 'out.json', onlyReviewed: false, all: true, kind: 'gt' });
    expect([exported.status, exported.json?.code]).toEqual([503, 'unavailable']);
    expect(exported.json?.error).toMatch(/out\.json.*disk is full/);
    // Room again: the project has every edit it answered 200 for, and takes the next one.
    rmSync(ballast());
    const view = (await post('getAnnotation', { imageId: a })).json as { revision: number; state: { order: string[] } };
    expect(view.revision).toBe(rev);
    expect(view.state.order).toHaveLength(rev);
    expect((await addPerson(a, rev, 'again')).status).toBe(200);
    expect((await post('exportCoco', { path: 'out.json', onlyReviewed: false, all: true, kind: 'gt' })).status).toBe(
      200,
    );
    expect((await send(server.port, 'GET', `/thumbs/${b}?token=${TOKEN}`)).status).toBe(200);
    expect(readdirSync(thumbs)).toHaveLength(1); // cached now
  }, 60_000);
});
