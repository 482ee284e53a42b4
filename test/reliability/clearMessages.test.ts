// Each bad input of issue 10 gets one clear line (no raw ENOENT/EISDIR, no ONNX Runtime internals), the right exit
// code, and nothing half-made: a wrong model never leaves a project behind.
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main, type CliIo } from '../../src/cli/main.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import { writeAttackImages } from '../support/processes.ts';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-messages-'));
const TINY = path.join(MODEL_FIXTURES, 'tiny.onnx');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [],
    err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { code: await main(argv, io), out: out.join('\n'), err: err.join('\n') };
}

let n = 0;
async function photos(): Promise<string> {
  const dir = path.join(tmp, `photos${n++}`);
  mkdirSync(dir);
  await writeAttackImages(dir);
  return dir;
}

/** tiny.onnx with its card changed by `edit`. */
function modelWithCard(name: string, edit: (card: { input: Record<string, unknown> }) => void): string {
  const card = JSON.parse(readFileSync(path.join(MODEL_FIXTURES, 'tiny.card.json'), 'utf8'));
  edit(card);
  const model = path.join(tmp, `${name}.onnx`);
  copyFileSync(TINY, model);
  writeFileSync(path.join(tmp, `${name}.card.json`), JSON.stringify(card));
  return model;
}

/** `detect` refuses the model with `message` (exit 3) before it creates any project in the folder. */
async function refusesModel(model: string, message: RegExp): Promise<void> {
  const dir = await photos();
  const r = await run('detect', dir, '--model', model, '--provider', 'cpu', '--scales', '0.25');
  expect(r.code).toBe(3);
  expect(r.err.split('\n').at(-1)).toMatch(message);
  expect(r.err).not.toMatch(/ENOENT|EISDIR|BroadcastIterator|Array buffer|cubicAxis|\n\s+at /);
  expect(existsSync(path.join(dir, '.simplepose.sqlite')), 'no project was created').toBe(false);
}

describe('clear messages', () => {
  it('detect --model /nonexistent: "no such file", and no project is created', async () => {
    await refusesModel('/nonexistent/model.onnx', /^simplepose detect: \/nonexistent\/model\.onnx: no such file$/);
  });
  it('a folder as the model: "is a folder, not an ONNX model file"', async () => {
    await refusesModel(tmp, /: is a folder, not an ONNX model file$/);
  });
  it('a card with pad_multiple 7, or one the network cannot divide (32)', async () => {
    await refusesModel(
      modelWithCard('pad7', (c) => (c.input.pad_multiple = 7)),
      /input\.pad_multiple 7 must be a multiple of the output stride 4/,
    );
    await refusesModel(
      modelWithCard('pad32', (c) => (c.input.pad_multiple = 32)),
      /fails on an NHWC \[1, 32, 96, 3\] float32 image, padded per the card's input\.pad_multiple 32 .*does its card match it\?$/,
    );
  });
  it('a card with a huge or tiny box_size', async () => {
    for (const box of [1e9, 1e-4])
      await refusesModel(
        modelWithCard(`box${box}`, (c) => (c.input.box_size = box)),
        new RegExp(`input\\.box_size ${box} must be between 32 and 2600 px`),
      );
  });
  it('serve /nonexistent: "no such folder"', async () => {
    const r = await run('serve', '/nonexistent/folder');
    expect([r.code, r.err]).toEqual([3, 'simplepose serve: /nonexistent/folder: no such folder']);
    const d = await run('detect', '/nonexistent/folder', '--model', TINY);
    expect([d.code, d.err]).toEqual([3, 'simplepose detect: /nonexistent/folder: no such folder']);
  });
  it('a 0-byte .jpg is "empty", a dangling link a "broken link"', async () => {
    const dir = await photos();
    writeFileSync(path.join(dir, 'empty.jpg'), '');
    symlinkSync(path.join(dir, 'deleted.jpg'), path.join(dir, 'link.jpg'));
    const r = await run('detect', dir, '--model', TINY, '--provider', 'cpu', '--scales', '0.25');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/unreadable: empty\.jpg: the file is empty \(0 bytes\)/);
    expect(r.err).toMatch(
      new RegExp(`unreadable: link\\.jpg: broken link: its target ${path.join(dir, 'deleted.jpg')} does not exist`),
    );
    expect(r.err).not.toMatch(/unsupported image format|disappeared during the scan/);
  });
  it('a model whose maps are NaN/Inf: "the model produced invalid maps"', async () => {
    const dir = await photos();
    const r = await run('detect', dir, '--model', path.join(MODEL_FIXTURES, 'nan.onnx'), '--provider', 'cpu');
    expect(r.code).toBe(1); // images failed
    expect(r.err).toMatch(
      /b-wide\.png: .*the model produced invalid maps at scale 1: \d+ of \d+ values are NaN or infinite/,
    );
    expect(r.out).toMatch(/2\/2 images|0\/2 images, 2 failed/);
    const inf = await run('infer', path.join(dir, 'a-square.png'), '--model', path.join(MODEL_FIXTURES, 'inf.onnx'));
    expect(inf.code).toBe(3);
    expect(inf.err).toMatch(/the model produced invalid maps for a plain grey test image/);
  });
  it('infer --time-limit on a model that never finishes: the image fails with a message', async () => {
    const dir = await photos();
    const t0 = performance.now();
    const r = await run(
      'infer',
      path.join(dir, 'b-wide.png'),
      '--model',
      path.join(MODEL_FIXTURES, 'hang.onnx'),
      '--provider',
      'cpu',
      '--time-limit',
      '1',
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/b-wide\.png: stopped after 1 s \(the time limit per image\); the model did not finish$/);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect((await run('detect', dir, '--model', TINY, '--time-limit', 'soon')).err).toMatch(
      /--time-limit must be a number of seconds/,
    );
  });
  it('startDetect with bad settings is refused with the reason (status 400), before any job starts', async () => {
    const dir = await photos();
    const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
    const service = createProjectService(db, dir);
    const settings = { scales: [1], flip: false, mode: 'fast' as const };
    await expect(
      service.startDetect({ modelPath: TINY, settings: { ...settings, scales: [0] } }),
    ).rejects.toMatchObject({
      status: 400,
      message: 'scales must be numbers in (0, 4], got 0',
    });
    await expect(service.startDetect({ modelPath: TINY, settings: { ...settings, scales: [] } })).rejects.toThrow(
      /at least one scale/,
    );
    await expect(service.startDetect({ modelPath: TINY, settings, imageTimeLimitSeconds: -1 })).rejects.toThrow(
      /time limit per image must be between 0 and 86400 seconds/,
    );
    db.close();
  });
});
