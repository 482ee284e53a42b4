import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main, type CliIo } from './main.ts';
import { DECODE_FIXTURES, PROJECT_ROOT, SHARED_ROOT } from '../../test/support/fixturePaths.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [],
    err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { code: await main(argv, io), out, err };
}
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-cli-'));
const GT = path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json');
const CASE = path.join(DECODE_FIXTURES, '466137', 'case.json');

describe('simplepose CLI', () => {
  it('--help lists the commands; every command has --help; unknown commands exit 2', async () => {
    expect((await run('--help')).out.join('\n')).toMatch(/decode.*\n.*eval.*\n.*validate/s);
    for (const c of ['decode', 'eval', 'validate'])
      expect((await run(c, '--help')).out[0]).toMatch(new RegExp(`^Usage: simplepose ${c}`));
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/unknown command "frobnicate"/);
  });
  it('decode writes one results array and --stats prints the timing line', async () => {
    const r = await run('decode', CASE, '--stats');
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out.join('\n'));
    expect(results[0]).toMatchObject({ image_id: 466137, category_id: 1 });
    expect(Object.keys(JSON.parse(r.err[0]))).toEqual(['cases', 'median_ms', 'total_ms', 'per_case_ms']);
    const f = path.join(tmp, 'res.json');
    expect((await run('decode', CASE, '--out', f)).code).toBe(0);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual(results);
    const fast = JSON.parse((await run('decode', CASE, '--mode', 'fast')).out.join('\n'));
    expect(fast).toHaveLength(results.length);
    fast[0].keypoints.forEach((v: number, i: number) =>
      expect(Math.abs(v - results[0].keypoints[i])).toBeLessThan(0.01),
    );
  });
  it('decode errors: bad mode (2), missing case (3), unwritable --out (3)', async () => {
    expect((await run('decode', CASE, '--mode', 'slow')).code).toBe(2);
    const missing = await run('decode', path.join(tmp, 'none.json'));
    expect([missing.code, missing.err[0]]).toEqual([3, expect.stringMatching(/cannot read decode case/)]);
    const ro = path.join(tmp, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const denied = await run('decode', CASE, '--out', path.join(ro, 'x.json'));
    if (process.getuid?.() !== 0) expect(denied.err[0]).toMatch(/not writable/);
  });
  it('eval prints ten numbers and the JSON object last', async () => {
    const res = path.join(tmp, 'r.json');
    await run('decode', CASE, '--out', res);
    const r = await run('eval', '--gt', GT, '--results', res, '--image-ids', '466137', '--json');
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(11);
    expect(Object.keys(JSON.parse(r.out[10]))).toEqual([
      'AP',
      'AP50',
      'AP75',
      'APm',
      'APl',
      'AR',
      'AR50',
      'AR75',
      'ARm',
      'ARl',
    ]);
    expect((await run('eval', '--gt', GT, '--results', res, '--image-ids', '42')).code).toBe(2);
    expect((await run('eval', '--gt', GT)).code).toBe(2);
  });
  it('validate: 0 for a valid file, 1 with violations listed, 3 for a missing file', async () => {
    expect((await run('validate', GT)).code).toBe(0);
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ images: [{ id: 0, file_name: 'a', width: 1, height: 1 }], annotations: [], categories: [] }),
    );
    const r = await run('validate', bad);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/images\[0\]\.id: image id must be an integer ≥ 1/);
    const junk = path.join(tmp, 'junk.json');
    writeFileSync(junk, '{oops');
    expect((await run('validate', junk)).code).toBe(1);
    expect((await run('validate', path.join(tmp, 'missing.json'))).code).toBe(3);
  });
  it('bin/simplepose.js runs under the system Node too (re-executes with the project Node 22)', () => {
    const r = spawnSync('/usr/bin/node', [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SimplePose Studio command line/);
  });
});

describe('simplepose infer', () => {
  const MODEL = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model', 'tiny.onnx');
  const PHOTO = path.join(SHARED_ROOT, 'data', 'coco-mini', 'train2017', '000000000790.jpg');
  it('writes COCO results (ids from 1 in the given order) and decode cases that replay to the same results', async () => {
    const dump = path.join(tmp, 'maps'),
      out = path.join(tmp, 'inf.json');
    const r = await run(
      'infer',
      PHOTO,
      PHOTO,
      '--model',
      MODEL,
      '--flip',
      '--scales',
      '1,0.5',
      '--mode',
      'reference',
      '--provider',
      'cpu',
      '--out',
      out,
      '--dump-maps',
      dump,
    );
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/loaded on cpu/);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    const replay = await run(
      'decode',
      path.join(dump, '1', 'case.json'),
      path.join(dump, '2', 'case.json'),
      '--mode',
      'reference',
    );
    expect(JSON.parse(replay.out.join('\n'))).toEqual(results);
    expect(JSON.parse(readFileSync(path.join(dump, '2', 'case.json'), 'utf8')).passes).toHaveLength(2);
  });
  it('usage errors exit 2; a bad model or image exits 3 with the reason', async () => {
    expect((await run('infer', PHOTO)).code).toBe(2);
    expect((await run('infer', PHOTO, '--model', MODEL, '--scales', '0')).code).toBe(2);
    expect((await run('infer', PHOTO, '--model', MODEL, '--provider', 'tpu')).code).toBe(2);
    const bad = await run(
      'infer',
      PHOTO,
      '--model',
      path.join(PROJECT_ROOT, 'test', 'fixtures', 'model', 'wrong-channels.onnx'),
    );
    expect([bad.code, bad.err.at(-1)]).toEqual([3, expect.stringMatching(/not an IMHN pose model/)]);
    const missing = await run('infer', path.join(tmp, 'none.jpg'), '--model', MODEL, '--provider', 'cpu');
    expect([missing.code, missing.err.at(-1)]).toEqual([3, expect.stringMatching(/none\.jpg: no such file/)]);
  });
});

describe('simplepose synth', () => {
  it('writes a dataset and reports it; bad arguments exit 2', async () => {
    const out = path.join(tmp, 'synth');
    const r = await run(
      'synth',
      '--out',
      out,
      '--count',
      '3',
      '--seed',
      '5',
      '--size',
      '96x64',
      '--persons',
      '1-2',
      '--templates',
      '',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0])).toMatchObject({ images: 3 });
    expect((await run('validate', path.join(out, 'annotations.json'))).code).toBe(0);
    expect((await run('synth', '--out', out, '--count', '0', '--seed', '1')).code).toBe(2);
    expect((await run('synth', '--out', out, '--count', '2', '--seed', '1', '--size', '10x10')).code).toBe(2);
    expect((await run('synth', '--out', out, '--count', '2', '--seed', '1', '--persons', '5-2')).code).toBe(2);
  });
});

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
    expect(Object.keys(JSON.parse(e.out.at(-1)!))).toContain('AP');
    expect((await run('detect', dir)).code).toBe(2);
  });
});

describe('simplepose import / export', () => {
  it('round-trips a COCO file through a project; bad input exits with a reason', async () => {
    const ann = path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco', 'test_coco.json');
    const project = path.join(tmp, 'imp.sqlite'),
      out = path.join(tmp, 'exp.json');
    const r = await run(
      'import',
      ann,
      '--images',
      path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco'),
      '--project',
      project,
      '--json',
    );
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
      headers: { Authorization: `Bearer ${new URL(info.url).searchParams.get('token')}` },
      body: '{}',
    });
    expect(((await res.json()) as { total: number }).total).toBe(1);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
