// `simplepose export` aimed at the project's own files: before the fix, `--out P/.simplepose.sqlite` exited 0 and the
// project was gone. Every such target is refused (exit 2, a message naming why) and the project stays as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main, type CliIo } from '../../src/cli/main.ts';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { makeAttackProject, PASSWD, projectSnapshot, type AttackProject } from '../support/attackProject.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [],
    err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { code: await main(argv, io), out, err };
}

let p: AttackProject, db: string;
beforeAll(async () => {
  p = await makeAttackProject();
  db = path.join(p.root, '.simplepose.sqlite');
  p.project.db.prepare("UPDATE images SET status = 'accepted' WHERE id = ?").run(p.imageId);
  mkdirSync(path.join(p.root, '.simplepose-cache'), { recursive: true });
  symlinkSync(db, path.join(p.base, 'db-link.json'));
  linkSync(db, path.join(p.base, 'db-hard.json'));
  // Another project's database elsewhere: an export never replaces any SQLite file.
  openProjectDb(path.join(p.base, 'other.sqlite')).close();
}, 60_000);
afterAll(() => p?.close());

describe('simplepose export onto the project', () => {
  it('refuses the project database, its WAL/SHM/journal, links to it, the map cache and other data', async () => {
    const before = projectSnapshot(p);
    const cases: [string[], RegExp][] = [
      [['--out', db], /it is the project database/],
      [['--out', `${db}-wal`], /it is the project database/],
      [['--out', `${db}-shm`], /it is the project database/],
      [['--out', `${db}-journal`], /it is the project database/],
      [['--out', path.join(p.base, 'db-link.json')], /it is the project database/],
      [['--out', path.join(p.base, 'db-hard.json')], /project database \(under another name\)/],
      [['--out', path.join(p.root, '.simplepose-cache', 'x.json')], /map cache/],
      [['--out', path.join(p.base, 'other.sqlite')], /SQLite database/],
      [['--out', path.join(p.root, 'a.png')], /not a JSON file/],
      [['--out', path.join(p.outside, 'passwd')], /not a JSON file/],
      [['--out', p.root], /it is a folder/],
      [['--per-image', path.join(p.root, '.simplepose-cache', 'per-image')], /map cache/],
      [['--out', db, '--results'], /it is the project database/],
    ];
    for (const [args, why] of cases) {
      const r = await run('export', '--project', db, ...args);
      expect([r.code, r.err.join('\n')], args.join(' ')).toEqual([2, expect.stringMatching(why)]);
    }
    expect(projectSnapshot(p)).toBe(before);
    expect(readFileSync(path.join(p.outside, 'passwd'), 'utf8')).toBe(PASSWD);
    const check = openProjectDb(db, { readonly: true });
    expect(check.prepare('SELECT status FROM images WHERE id = ?').pluck().get(p.imageId)).toBe('accepted');
    check.close();
  });
  it('still writes where the user points it, also over an earlier export', async () => {
    const out = path.join(p.base, 'export.json');
    expect((await run('export', '--project', db, '--out', out)).code).toBe(0);
    const first = JSON.parse(readFileSync(out, 'utf8'));
    expect(first.images.length).toBeGreaterThan(0);
    expect((await run('export', '--project', db, '--out', out, '--only-reviewed')).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).images).toHaveLength(1);
    writeFileSync(path.join(p.base, 'empty.json'), '');
    expect((await run('export', '--project', db, '--out', path.join(p.base, 'empty.json'))).code).toBe(0);
    const per = path.join(p.base, 'per-image');
    expect((await run('export', '--project', db, '--per-image', per)).code).toBe(0);
    expect(existsSync(path.join(per, 'a.png.json'))).toBe(true);
  });
  it('import of a file that is not COCO never echoes its content', async () => {
    const r = await run('import', path.join(p.outside, 'passwd'), '--images', p.root, '--project', db);
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toMatch(/not valid JSON \(unexpected character at line 1 column 1\)/);
    expect(r.err.join('\n')).not.toMatch(/root|daemon|bash/);
  });
});
