// The commands that work on a project (detect, eval --project, import, export, serve): each through the node
// services, as the app calls them.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, SHARED_ROOT } from '../../test/support/fixturePaths.ts';
import { runCli as run } from '../../test/support/runCli.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-cli-project-'));

describe('simplepose detect + eval --project', () => {
  it('detects a folder into a project, then evaluates the run against reviewed images', async () => {
    const { mkdirSync: mk, copyFileSync: cp } = await import('node:fs');
    const dir = path.join(tmp, 'proj');
    mk(dir);
    for (const f of ['000001.jpg', '000002.jpg'])
      cp(path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', f), path.join(dir, f));
    const model = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model', 'tiny.onnx');
    const r = await run('detect', dir, '--model', model, '--scales', '0.25', '--provider', 'cpu', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ event: 'finished', status: 'done', done: 2, total: 2 });
    const project = path.join(dir, '.simplepose.sqlite');
    expect((await run('eval', '--project', project)).code).toBe(2); // nothing reviewed yet
    const { openProjectDb } = await import('../node/db/openProjectDb.ts');
    const db = openProjectDb(project);
    db.prepare("UPDATE images SET status = 'no_person'").run();
    db.close();
    const e = await run('eval', '--project', project, '--json');
    expect(e.code).toBe(0);
    // The service's evaluation, not one of its own: the same numbers the app shows.
    const { evaluateRun } = await import('../node/project/evaluationService.ts');
    const check = openProjectDb(project, { readonly: true });
    expect(JSON.parse(e.out.at(-1)!)).toEqual(evaluateRun(check).overall);
    check.close();
    expect(e.err[0]).toBe('run 1 on 2 reviewed image(s)');
    const none = await run('eval', '--project', project, '--run', '99');
    expect([none.code, none.err[0]]).toEqual([2, `simplepose eval: ${project}: no run 99 in this project`]);
    expect((await run('eval', '--project', project, '--run', 'one')).code).toBe(2);
    expect(
      (await run('export', '--project', project, '--out', path.join(tmp, 'r.json'), '--results', '--run', '99')).err[0],
    ).toMatch(/no run 99 in this project/);
    // (detect without --model: the project's model, test/cli/projectSetupCli.test.ts)
  });
});

describe('simplepose import / export', () => {
  it('round-trips a COCO file through a project; bad input exits with a reason', async () => {
    const ann = path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco', 'test_coco.json');
    const project = path.join(tmp, 'imp.sqlite'),
      out = path.join(tmp, 'exp.json');
    const importInto = (file: string, ...more: string[]) =>
      run(
        'import',
        file,
        '--images',
        path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco'),
        '--project',
        project,
        ...more,
      );
    const r = await importInto(ann, '--json');
    expect(JSON.parse(r.out[0])).toMatchObject({ images: 4, missingFiles: [] });
    expect((await run('export', '--project', project, '--out', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(readFileSync(ann, 'utf8')));
    expect((await run('export', '--project', project, '--out', out, '--results')).code).toBe(2); // no run yet
    const per = path.join(tmp, 'per-image');
    expect((await run('export', '--project', project, '--per-image', per)).out[0]).toMatch(
      /wrote 4 per-image COCO files/,
    );
    const one = JSON.parse(readFileSync(path.join(per, '000000000785.jpg.json'), 'utf8'));
    expect(one.images).toHaveLength(1);
    expect(one.annotations.every((a: { image_id: number }) => a.image_id === one.images[0].id)).toBe(true);
    const bad = path.join(tmp, 'bad-coco.json');
    writeFileSync(bad, '{"images": 3}');
    const b = await run('import', bad, '--images', tmp, '--project', project);
    expect([b.code, b.err[0]]).toEqual([3, expect.stringMatching(/images: missing or not an array/)]);
    expect((await run('import', ann, '--project', project)).code).toBe(2);
    // Importing the same file again (e.g. after an import killed past its commit): exit 0, nothing changed.
    const again = await importInto(ann);
    expect([again.code, again.out[0]]).toEqual([0, expect.stringMatching(/^no change: .* already holds the 4 images/)]);
    const changed = JSON.parse(readFileSync(ann, 'utf8'));
    changed.annotations.pop();
    const changedFile = path.join(tmp, 'changed-coco.json');
    writeFileSync(changedFile, JSON.stringify(changed));
    const upd = await importInto(changedFile);
    expect([upd.code, upd.out[0]]).toEqual([
      0,
      expect.stringMatching(/1 updated, 3 unchanged; persons 0 added, 0 updated, 1 removed$/),
    ]);
  });
});

describe('simplepose serve', () => {
  it('serves a project found by --project alone (its folder is recorded), prints a JSON line with the URL, stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync: mk, copyFileSync: cp } = await import('node:fs');
    const dir = path.join(tmp, 'serve-proj');
    mk(dir);
    cp(path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', '000001.jpg'), path.join(dir, 'a.jpg'));
    const project = path.join(tmp, 'serve.sqlite');
    const { openProjectDb } = await import('../node/db/openProjectDb.ts');
    const { syncImages } = await import('../node/project/syncImages.ts');
    const db = openProjectDb(project);
    await syncImages(db, dir);
    db.close();
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', '--project', project, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) resolve(out.trim());
      });
    });
    const info = JSON.parse(line);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(info.root).toBe(path.resolve(dir));
    const res = await fetch(`http://127.0.0.1:${info.port}/api/listImages`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${new URL(info.url).searchParams.get('token')}`,
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(((await res.json()) as { total: number }).total).toBe(1);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('simplepose detect settings', () => {
  it("runs with the app's default settings (scale 1 + flip), so the same folder detected from either is one run", async () => {
    // Issue 13: the CLI ran without the flip pass by default and the app with it: two runs of one model on one
    // folder, and the CLI's "≈ 1 s per image" against the app's 2 s was half the network work.
    const { mkdirSync: mk, copyFileSync: cp } = await import('node:fs');
    const { DEFAULT_DETECT_SETTINGS } = await import('../node/jobs/detectSettings.ts');
    const { runRepository } = await import('../node/db/runRepository.ts');
    const { openProjectDb } = await import('../node/db/openProjectDb.ts');
    const dir = path.join(tmp, 'defaults');
    mk(dir);
    cp(path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', '000001.jpg'), path.join(dir, 'a.jpg'));
    const model = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model', 'tiny.onnx');
    expect((await run('detect', dir, '--model', model, '--provider', 'cpu', '--json')).code).toBe(0);
    expect((await run('detect', dir, '--model', model, '--no-flip', '--provider', 'cpu', '--json')).code).toBe(0);
    const db = openProjectDb(path.join(dir, '.simplepose.sqlite'), { readonly: true });
    const runs = runRepository(db);
    const settingsOf = (id: number) => {
      const { scales, flip, mode } = runs.get(id)!;
      return { scales, flip, mode };
    };
    expect(settingsOf(1)).toEqual(DEFAULT_DETECT_SETTINGS);
    expect(settingsOf(2)).toEqual({ ...DEFAULT_DETECT_SETTINGS, flip: false });
    db.close();
  });
});
