import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DECODE_FIXTURES, PROJECT_ROOT, SHARED_ROOT } from '../../test/support/fixturePaths.ts';
import { runCli as run } from '../../test/support/runCli.ts';
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
    fast[0].keypoints.forEach((v: number, i: number) => {
      expect(Math.abs(v - results[0].keypoints[i])).toBeLessThan(0.01);
    });
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
    expect(r.out[0]).toMatch(/images\[0\]\.id: image id must be an integer from 1 to 2\^53 − 1/);
    const junk = path.join(tmp, 'junk.json');
    writeFileSync(junk, '{oops');
    expect((await run('validate', junk)).code).toBe(1);
    expect((await run('validate', path.join(tmp, 'missing.json'))).code).toBe(3);
  });
  it('validate --json prints JSON whatever the input; a BOM is accepted; invalid UTF-8 is reported, not replaced', async () => {
    const junk = path.join(tmp, 'junk2.json');
    writeFileSync(junk, 'not json at all');
    const r = await run('validate', junk, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.join('\n'))).toMatchObject({ kind: null, errors: 1, violations: [{ path: '$' }] });
    const missing = await run('validate', path.join(tmp, 'nope.json'), '--json');
    expect([missing.code, JSON.parse(missing.out[0]).violations[0].message]).toEqual([
      3,
      'cannot be read (no such file)',
    ]);
    const bom = path.join(tmp, 'bom.json');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(GT)]));
    expect((await run('validate', bom)).code).toBe(0);
    const latin1 = path.join(tmp, 'latin1.json');
    const gt = JSON.parse(readFileSync(GT, 'utf8'));
    gt.images[0].file_name = 'caf\u00e9.jpg';
    writeFileSync(latin1, Buffer.from(JSON.stringify(gt), 'latin1'));
    const bad = await run('validate', latin1, '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out[0]).violations[0].message).toMatch(/^is not valid UTF-8: byte \d+ \(line 1\) is 0xe9/);
  });
  it('validate refuses duplicate file_names (both paths), file names leaving the images folder, ids ≥ 2^53', async () => {
    const gt = JSON.parse(readFileSync(GT, 'utf8'));
    gt.images[2].file_name = gt.images[0].file_name;
    gt.images[1].file_name = '../../etc/passwd';
    const f = path.join(tmp, 'dup.json');
    gt.images[3].id = 'HUGE';
    writeFileSync(f, JSON.stringify(gt).replace('"HUGE"', '123456789012345678901234567890'));
    const r = await run('validate', f, '--json');
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out[0]).violations as { path: string; message: string }[];
    expect(v).toEqual(
      expect.arrayContaining([
        {
          path: 'images[2].file_name',
          message: expect.stringMatching(/is also the file_name of images\[0\]/),
          severity: 'error',
        },
        {
          path: 'images[1].file_name',
          message: expect.stringMatching(/must stay inside the images folder/),
          severity: 'error',
        },
        {
          path: 'images[3].id',
          message: expect.stringMatching(/from 1 to 2\^53 − 1, got 1\.2345678901234568e\+29/),
          severity: 'error',
        },
      ]),
    );
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
