// STYLE.md: files stay under about 300 lines. Every source file of src (tests aside) is held to it; a file over it
// is listed here with the reason, and the entry must go once the file is back under.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';

const MAX_LINES = 300;
const OVER: Record<string, string> = {};

const lengths = readdirSync(path.join(PROJECT_ROOT, 'src'), { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
  .map((e) => {
    const file = path.relative(PROJECT_ROOT, path.join(e.parentPath, e.name)).replace(/\\/g, '/');
    return { file, lines: readFileSync(path.join(PROJECT_ROOT, file), 'utf8').trimEnd().split('\n').length };
  });

describe('file length', () => {
  it(`no source file in src is over ${MAX_LINES} lines`, () => {
    const over = lengths.filter((l) => l.lines > MAX_LINES && !(l.file in OVER)).map((l) => `${l.file}: ${l.lines}`);
    expect(over).toEqual([]);
  });

  it('each listed exception is still over (remove it when the file is back under)', () => {
    const stale = Object.keys(OVER).filter((f) => !lengths.some((l) => l.file === f && l.lines > MAX_LINES));
    expect(stale).toEqual([]);
  });
});
