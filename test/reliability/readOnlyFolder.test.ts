import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { writeFileAtomic } from '../../src/node/fs/writeFileAtomic.ts';

/** A read-only filesystem (a tmpfs remounted ro; needs root, as in CI), so the test holds even for root. */
function readOnlyFolder(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-ro-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    writeFileSync(path.join(dir, 'existing.json'), '{"kept": true}');
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}
const ro = readOnlyFolder();
afterAll(() => {
  if (ro)
    try {
      execFileSync('umount', [ro], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
});

describe.skipIf(ro === null)('a read-only folder', () => {
  it('a project cannot be created there: a clear message, nothing half-made', () => {
    expect(() => openProjectDb(path.join(ro!, 'p.sqlite'))).toThrow(
      /cannot open project .*p\.sqlite: the folder .* is not writable/,
    );
  });
  it('an export there fails with "not writable" and the existing file is untouched', async () => {
    await expect(writeFileAtomic(path.join(ro!, 'existing.json'), '{}')).rejects.toThrow(
      /cannot write .*existing\.json: the folder is not writable \(EROFS\)/,
    );
  });
});
