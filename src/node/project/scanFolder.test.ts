import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanFolder } from './scanFolder.ts';

function tree(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-scan-'));
  for (const f of [
    'a.jpg',
    'b.PNG',
    'notes.txt',
    '.hidden.jpg',
    'sub/c.webp',
    'sub/deeper/d.tiff',
    'sub/e.bmp',
    '.cache/x.jpg',
    'sub/f.JPEG',
  ]) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'x');
  }
  symlinkSync(root, path.join(root, 'sub', 'loop')); // a loop back to the root
  symlinkSync(path.join(root, 'sub'), path.join(root, 'alias')); // a second way into sub/
  symlinkSync(path.join(root, 'gone.jpg'), path.join(root, 'dangling.jpg'));
  return root;
}

describe('scanFolder', () => {
  it('finds JPEG, PNG, WebP, BMP and TIFF recursively, skips hidden entries and other files, survives link loops', async () => {
    const root = tree();
    const r = await scanFolder(root);
    expect(r.files.map((f) => f.relPath)).toEqual([
      'a.jpg',
      'b.PNG',
      'sub/c.webp',
      'sub/deeper/d.tiff',
      'sub/e.bmp',
      'sub/f.JPEG',
    ]);
    expect(r.hiddenSkipped).toBe(2);
    expect(r.loopsSkipped).toBe(2);
    expect(r.unreadable).toEqual([
      { relPath: 'dangling.jpg', reason: `broken link: its target ${path.join(root, 'gone.jpg')} does not exist` },
    ]);
    expect(r.files[0].size).toBe(1);
  });
  it('reports unreadable folders instead of failing (when not root), and refuses a missing root or a file', async () => {
    const root = tree();
    const locked = path.join(root, 'locked');
    mkdirSync(locked);
    writeFileSync(path.join(locked, 'z.jpg'), 'x');
    chmodSync(locked, 0o000);
    const r = await scanFolder(root);
    if (process.getuid?.() !== 0)
      expect(r.unreadable).toContainEqual({ relPath: 'locked', reason: 'permission denied' });
    chmodSync(locked, 0o755);
    await expect(scanFolder(path.join(root, 'nope'))).rejects.toThrow(/no such folder/);
    await expect(scanFolder(path.join(root, 'a.jpg'))).rejects.toThrow(/it is a file/);
  });
  it('a file or folder name that is not valid UTF-8 is reported as such, not as "disappeared during the scan"', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-scan-bytes-'));
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x))));
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), bytes('caf', [0xe9], '.jpg')]), 'x'); // Latin-1 "café.jpg"
    mkdirSync(Buffer.concat([Buffer.from(`${root}/`), bytes('d', [0xff, 0xfe])]));
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), bytes('notes', [0xff], '.txt')]), 'x'); // not an image
    writeFileSync(path.join(root, 'ok.jpg'), 'x');
    const r = await scanFolder(root);
    expect(r.files.map((f) => f.relPath)).toEqual(['ok.jpg']);
    expect(r.unreadable).toEqual([
      { relPath: 'caf\ufffd.jpg', reason: 'its name is not valid UTF-8 text (byte 0xe9 at 3): rename it to use it' },
      {
        relPath: 'd\ufffd\ufffd',
        reason: 'its name is not valid UTF-8 text (bytes 0xff at 1, 0xfe at 2): rename it to use it',
      },
    ]);
  });
  it('scans 10,000 files in under 3 s (benchmarked in bench/scanBench.ts)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-scan-big-'));
    for (let d = 0; d < 100; d++) {
      mkdirSync(path.join(root, `d${d}`));
      for (let i = 0; i < 100; i++) writeFileSync(path.join(root, `d${d}`, `${i}.jpg`), '');
    }
    const t = performance.now();
    const r = await scanFolder(root);
    expect(r.files).toHaveLength(10_000);
    expect(performance.now() - t).toBeLessThan(10_000); // loose here (shared CI machine); the benchmark measures it
  });
});
