// Issue 12 (detection the user can follow; the small CLI defects): `detect` runs the project's model and settings —
// the ones the app uses —, a `--project` folder is accepted, a project made by `import --images DIR --project FILE`
// can be served, export messages give the full path, and `detect` on a missing folder says "no such folder".
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/runCli.ts';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { openProjectFolder } from '../../src/node/project/openProjectFolder.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';

const TINY = path.join(MODEL_FIXTURES, 'tiny.onnx');
/** These tests name a model of the test fixtures, as the CLI may (its policy); the app's confinement of model files
 * is test/integrity/modelPathConfinement.test.ts. */
const FIXTURE_MODELS_ALLOWED = { kind: 'any' } as const;
const BUNDLED = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const SAMPLE = path.join(PROJECT_ROOT, 'resources', 'sample-project');
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-cli12-'));

/** The CLI in this process, its output lines joined (these tests match across lines). */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(...argv);
  return { code: r.code, out: r.out.join('\n'), err: r.err.join('\n') };
}
let n = 0;
function photos(count: number): string {
  const dir = path.join(tmp, `photos${n++}`);
  mkdirSync(dir);
  for (const f of ['000001.jpg', '000002.jpg'].slice(0, count))
    copyFileSync(path.join(SAMPLE, 'images', f), path.join(dir, f));
  return dir;
}
const runs = (dir: string) => {
  const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
  try {
    return db
      .prepare('SELECT r.id, r.scales, r.flip, r.mode, m.path FROM inference_runs r JOIN models m ON m.id = r.model_id')
      .all();
  } finally {
    db.close();
  }
};

describe('detect uses the project detection setup', () => {
  it('without --model on a new folder: the bundled model with the app defaults (scale 1, flip, fast)', async () => {
    const dir = photos(1);
    const r = await run('detect', dir, '--provider', 'cpu', '--json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/model .*imhn-synth-tiny\.onnx \(the bundled model\); scales 1, flip, fast decoder/);
    expect(runs(dir)).toEqual([{ id: 1, scales: '[1]', flip: 1, mode: 'fast', path: BUNDLED }]);
  });

  it("the project's model and settings as the app set them; flags replace them for one run only", async () => {
    const dir = photos(2);
    const p = await openProjectFolder(dir, { modelPath: BUNDLED, exchange: FIXTURE_MODELS_ALLOWED });
    await p.service.setDetectSetup({ settings: { scales: [0.25], flip: false, mode: 'reference' }, modelPath: TINY });
    await p.close();
    const r = await run('detect', dir, '--provider', 'cpu');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /model .*tiny\.onnx \(the project's\); scales 0\.25, no flip, reference decoder \(the project's\)/,
    );
    expect(runs(dir)).toEqual([{ id: 1, scales: '[0.25]', flip: 0, mode: 'reference', path: TINY }]);
    // a second call completes the same run: nothing to do
    expect((await run('detect', dir, '--provider', 'cpu')).out).toMatch(/^run 1: done, 2\/2 images$/);
    const once = await run('detect', dir, '--provider', 'cpu', '--scales', '0.5', '--flip');
    expect(once.err).toMatch(
      /scales 0\.5, flip, reference decoder \(for this run; the project's: scales 0\.25, no flip/,
    );
    const after = await openProjectFolder(dir, { modelPath: BUNDLED, exchange: FIXTURE_MODELS_ALLOWED });
    expect((await after.service.getDetectSetup({})).settings).toEqual({
      scales: [0.25],
      flip: false,
      mode: 'reference',
    });
    expect((await after.service.getPredictions({ imageId: 1 })).runId).toBe(1); // the app keeps the project's run
    await after.close();
    expect((await run('detect', dir, '--no-flip', '--scales', '0.25', '--model', TINY, '--provider', 'cpu')).code).toBe(
      0,
    );
  });

  it('a missing folder: "no such folder", and no project anywhere', async () => {
    const r = await run('detect', path.join(tmp, 'absent'));
    expect([r.code, r.err.split('\n').at(-1)]).toEqual([
      3,
      `simplepose detect: ${path.join(tmp, 'absent')}: no such folder`,
    ]);
    expect(existsSync(path.join(tmp, 'absent'))).toBe(false);
  });
});

describe('--project names a project file or its folder', () => {
  it('detect, export, eval and import accept the folder (its .simplepose.sqlite); the database says a folder is one', async () => {
    const dir = photos(1);
    const d = await run('detect', dir, '--project', dir, '--model', TINY, '--scales', '0.25', '--provider', 'cpu');
    expect([d.code, d.err]).not.toContain('disk I/O error');
    expect(d.code).toBe(0);
    expect(existsSync(path.join(dir, '.simplepose.sqlite'))).toBe(true);
    const out = path.join(tmp, 'folder-export.json');
    const e = await run('export', '--project', dir, '--out', out, '--results');
    expect([e.code, e.err]).toEqual([0, '']);
    expect(e.out).toMatch(new RegExp(`^wrote \\d+ detections of run 1 on \\d+ images \\(.+\\) to ${out}$`));
    const ev = await run('eval', '--project', dir);
    expect(ev.err).toMatch(/no reviewed images yet/); // the project was found
    const imp = await run('import', path.join(SAMPLE, 'annotations.json'), '--images', dir, '--project', dir);
    expect(imp.err).not.toMatch(/disk I\/O error|unable to open/);
    expect(() => openProjectDb(dir)).toThrow(/it is a folder; give the project file/);
  });
});

describe('a project made by import', () => {
  it('records its images folder, so that serve --project FILE serves it', async () => {
    const images = path.join(tmp, 'imported-images');
    mkdirSync(images);
    for (const f of ['000001.jpg', '000002.jpg']) copyFileSync(path.join(SAMPLE, 'images', f), path.join(images, f));
    const coco = JSON.parse(readFileSync(path.join(SAMPLE, 'annotations.json'), 'utf8'));
    coco.images = coco.images.slice(0, 2);
    coco.annotations = coco.annotations.filter((a: { image_id: number }) => a.image_id <= 2);
    const file = path.join(tmp, 'two.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(coco));
    const project = path.join(tmp, 'imported.sqlite');
    expect((await run('import', file, '--images', images, '--project', project)).code).toBe(0);
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', '--project', project, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    try {
      expect(JSON.parse(line).root).toBe(images);
      expect(err).toMatch(/2 images \(0 new, 0 missing/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('export messages name the file written in full', () => {
  it('a relative --out is reported as its absolute path', async () => {
    const dir = photos(1);
    await run('detect', dir, '--model', TINY, '--scales', '0.25', '--provider', 'cpu');
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const r = await run('export', '--project', dir, '--out', 'relative-export.json', '--results', '--all');
      const written = JSON.parse(readFileSync(path.join(tmp, 'relative-export.json'), 'utf8')).length;
      expect(r.out).toMatch(
        new RegExp(
          `^wrote ${written} detections of run 1 on \\d+ images \\(all images\\) to ${path.join(tmp, 'relative-export.json')}$`,
        ),
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
