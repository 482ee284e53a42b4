import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/node/fs/writeFileAtomic.ts';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { AnnotationStore } from '../../src/node/project/annotationStore.ts';
import { addPerson, placeJoint } from '../../src/core/edit/poseEdits.ts';

/** A 512 KiB tmpfs (needs root, as in CI); the test says why when it cannot make one. */
function smallDisk(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}
const disk = smallDisk();
afterAll(() => {
  if (disk)
    try {
      execFileSync('umount', [disk], { stdio: 'ignore' });
    } catch {
      try {
        // still busy (a database the test opened): detach it now, the kernel frees it when the last file closes
        execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
      } catch {
        /* already unmounted */
      }
    }
});

describe.skipIf(disk === null)('a full disk (512 KiB tmpfs)', () => {
  it('an atomic write that does not fit fails with "the disk is full" and leaves the old file and no temp file', async () => {
    const file = path.join(disk!, 'export.json');
    writeFileSync(file, 'old content');
    await expect(writeFileAtomic(file, Buffer.alloc(2 * 2 ** 20, 1))).rejects.toThrow(
      /cannot write .*export\.json: the disk is full \(ENOSPC\)/,
    );
    expect(readFileSync(file, 'utf8')).toBe('old content');
    expect(readdirSync(disk!)).toEqual(['export.json']);
  });
  it('edits that no longer fit fail cleanly; the project keeps every edit saved before and opens again', () => {
    const dir = path.join(disk!, 'project');
    mkdirSync(dir);
    const db = openProjectDb(path.join(dir, 'p.sqlite'));
    db.prepare(
      "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 10, 10, 0, 0)",
    ).run();
    const store = new AnnotationStore(db);
    let s = store.apply(1, addPerson(store.load(1).state, 'p1'), 'add person').state;
    s = store.apply(1, placeJoint(s, 'p1', 0, 5, 5), 'place').state;
    writeFileSync(path.join(disk!, 'ballast'), Buffer.alloc(0));
    let full = false;
    try {
      writeFileSync(path.join(disk!, 'ballast'), Buffer.alloc(600 * 1024));
    } catch {
      full = true;
    }
    expect(full).toBe(true);
    let failure: Error | null = null;
    try {
      for (let i = 0; i < 2000; i++)
        store.apply(
          1,
          {
            added: {
              [`big${i}`]: {
                id: `big${i}`,
                joints: new Array(17).fill(null),
                crowd: false,
                coco: { note: 'x'.repeat(4000) },
              },
            },
            updated: {},
            removed: {},
          },
          'add',
          { imported: true }, // large imported fields fill the disk fast (only an import may add them)
        );
    } catch (e) {
      failure = e as Error;
    }
    expect(failure?.message).toMatch(/full|SQLITE_FULL|disk/i);
    db.close();
    execFileSync('rm', ['-f', path.join(disk!, 'ballast')]);
    const again = openProjectDb(path.join(dir, 'p.sqlite'));
    const state = new AnnotationStore(again).load(1).state;
    expect(state.persons.p1.joints[0]).toMatchObject({ x: 5, y: 5 });
    again.close();
  });
});
