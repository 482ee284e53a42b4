// A COCO import reads (hashes) the files of its new images before it takes the write lock: while it reads a slow file
// — a network share, a spun-down disk; here a named pipe nobody writes to yet — other writers are not held up.
import { describe, expect, it } from 'vitest';
import { closeSync, constants, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../src/core/skeleton/poseMeta.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

/** Opens the pipe for writing once a reader has it open (polling: a blocking open would stall this test forever). */
async function whenReading(fifo: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() - t0 > timeoutMs) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('COCO import and the write lock', () => {
  it('another writer saves while the import is still reading an image file', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-import-lock-'));
    const fifo = path.join(root, 'slow.png');
    execFileSync('mkfifo', [fifo]);
    const coco = {
      images: [{ id: 1, file_name: 'slow.png', width: 64, height: 48 }],
      annotations: [],
      categories: [
        { id: 1, name: 'person', keypoints: [...COCO_KEYPOINTS], skeleton: COCO_SKELETON_1BASED.map((q) => [...q]) },
      ],
    };
    writeFileSync(path.join(root, 'in.json'), JSON.stringify(coco));
    const project = path.join(root, 'p.sqlite');
    const db = openProjectDb(project);
    db.pragma('busy_timeout = 200');
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'import', 'in.json', '--images', root, '--project', project],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const fd = await whenReading(fifo, 20_000); // the import is reading the image now
    let savedMeanwhile: boolean;
    try {
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare("INSERT INTO project_meta (key, value) VALUES ('other-writer', 'was here')").run();
      db.prepare('COMMIT').run();
      savedMeanwhile = true;
    } catch (e) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      expect((e as Error).message).toMatch(/database is locked/); // the import held the write lock while reading
      savedMeanwhile = false;
    } finally {
      writeSync(fd, 'not really a png');
      closeSync(fd);
    }
    expect(await exited, out).toBe(0);
    expect(savedMeanwhile).toBe(true);
    expect(
      db.prepare("SELECT COUNT(*) FROM images WHERE rel_path = 'slow.png' AND length(content_hash) = 64").pluck().get(),
    ).toBe(1);
    db.close();
  });
});
