import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import {
  exportFolder,
  exportTarget,
  importSource,
  isInside,
  ProjectFiles,
  type ExchangePolicy,
} from './projectPaths.ts';

const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'sp-paths-')));
const root = path.join(base, 'project');
mkdirSync(path.join(root, 'sub'), { recursive: true });
mkdirSync(path.join(base, 'out'));
writeFileSync(path.join(root, 'sub', 'a.jpg'), 'jpeg');
writeFileSync(path.join(base, 'out', 'secret.jpg'), 'secret');
symlinkSync(path.join(root, 'sub', 'a.jpg'), path.join(root, 'inner-link.jpg'));
symlinkSync(path.join(base, 'out', 'secret.jpg'), path.join(root, 'outer-link.jpg'));
symlinkSync(path.join(base, 'out'), path.join(root, 'outer-dir'));
symlinkSync(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
symlinkSync(path.join(root, 'loop-b'), path.join(root, 'loop-a'));

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
};

describe('isInside', () => {
  it('is a path-component test, not a string prefix', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/', '/etc/passwd')).toBe(true);
  });
});

describe('ProjectFiles.resolve', () => {
  const files = new ProjectFiles(root);
  it('gives the real path of files inside the folder, links inside included', () => {
    expect(files.resolve('sub/a.jpg')).toBe(path.join(root, 'sub', 'a.jpg'));
    expect(files.resolve('inner-link.jpg')).toBe(path.join(root, 'sub', 'a.jpg'));
    expect(files.resolve('sub/../sub/a.jpg')).toBe(path.join(root, 'sub', 'a.jpg'));
  });
  it('refuses whatever leads outside: .., absolute paths, links to files or folders outside, NUL', () => {
    for (const rel of [
      '../out/secret.jpg',
      path.join(base, 'out', 'secret.jpg'),
      'outer-link.jpg',
      'outer-dir/secret.jpg',
      'a\0.jpg',
      '',
    ])
      expect(
        codeOf(() => files.resolve(rel)),
        rel,
      ).toBe('forbidden');
    expect(codeOf(() => files.resolve('loop-a'))).toBe('forbidden');
    expect(codeOf(() => files.resolve('sub/missing.jpg'))).toBe('not_found');
    expect(() => files.resolve('outer-link.jpg')).toThrow('outer-link.jpg: the path leads outside the project folder');
  });
  it('a folder that does not exist: not found, never a crash at construction', () => {
    const missing = new ProjectFiles(path.join(base, 'nope'));
    expect(codeOf(() => missing.resolve('a.jpg'))).toBe('not_found');
  });
});

describe('exchange paths', () => {
  const folder: ExchangePolicy = { kind: 'folder', dir: root };
  const own = { database: path.join(root, '.simplepose.sqlite'), cacheDir: path.join(root, '.simplepose-cache') };
  it('folder policy: paths inside the folder only (a relative name lies in it), links resolved', () => {
    expect(exportTarget(path.join(root, 'x.json'), folder, own)).toBe(path.join(root, 'x.json'));
    expect(exportTarget(path.join(root, 'sub', 'x.json'), folder, own)).toBe(path.join(root, 'sub', 'x.json'));
    expect(codeOf(() => exportTarget(path.join(root, 'outer-dir', 'x.json'), folder, own))).toBe('forbidden');
    expect(codeOf(() => exportTarget(path.join(base, 'x.json'), folder, own))).toBe('forbidden');
    // web mode: a relative name is the folder's, never the server's working directory's (issue 12)
    expect(exportTarget('x.json', folder, own)).toBe(path.join(root, 'x.json'));
    expect(exportTarget('sub/x.json', folder, own)).toBe(path.join(root, 'sub', 'x.json'));
    expect(codeOf(() => exportTarget(path.join('..', 'x.json'), folder, own))).toBe('forbidden');
    expect(codeOf(() => exportTarget(path.join(root, 'none', 'x.json'), folder, own))).toBe('not_found');
    expect(codeOf(() => importSource(path.join(root, 'outer-link.jpg'), folder))).toBe('forbidden');
    expect(codeOf(() => exportFolder(path.join(root, '.simplepose-cache', 'per'), folder, own))).toBe('forbidden');
    expect(exportFolder(path.join(root, 'new', 'per'), folder, own)).toBe(path.join(root, 'new', 'per'));
  });
  it('folder policy: outside the folder one refusal, whether or not anything is there (web mode: no probing)', () => {
    symlinkSync(path.join(base, 'out', 'gone.json'), path.join(root, 'dangling-out.json'));
    symlinkSync(path.join(base, 'out', 'no-folder'), path.join(root, 'dangling-dir'));
    const outside = [
      path.join(base, 'out', 'secret.jpg'), // exists
      path.join(base, 'out', 'none.json'),
      path.join(base, 'out'), // a folder
      path.join(base, 'none', 'x.json'),
      path.join(base, 'none', 'deeper', 'x.json'),
      '../out/none.json',
      'dangling-out.json',
      'dangling-dir/x.json',
      'outer-dir/none.json',
    ];
    for (const p of outside)
      for (const [what, f] of [
        ['import', () => importSource(p, folder)],
        ['export', () => exportTarget(p, folder, own)],
        ['export folder', () => exportFolder(p, folder, own)],
      ] as const)
        expect(() => f(), `${what} ${p}`).toThrow(
          new ApiError(
            'forbidden',
            `${p}: outside the exchange folder ${root} (web mode reads and writes COCO files only there; the server's --exchange-dir DIR names another)`,
          ),
        );
    // inside, what is wrong is said
    expect(codeOf(() => importSource('none.json', folder))).toBe('not_found');
    expect(codeOf(() => importSource('sub', folder))).toBe('bad_request');
  });
  it('picked policy: only the path the dialog gave, for its purpose', () => {
    const picked = new Map<string, string>([['import', path.join(root, 'sub', 'a.jpg')]]);
    const policy: ExchangePolicy = { kind: 'picked', take: (purpose, file) => picked.get(purpose) === file };
    expect(importSource(path.join(root, 'sub', 'a.jpg'), policy)).toBe(path.join(root, 'sub', 'a.jpg'));
    expect(codeOf(() => importSource(path.join(root, 'inner-link.jpg'), policy))).toBe('forbidden');
    expect(codeOf(() => exportTarget(path.join(root, 'sub', 'a.jpg'), policy, own))).toBe('forbidden');
  });
});
