// Settings → Import checkpoint, through the service: the project's real exporter (python -m training.export) in a
// child process, the model test-run, registered and put in use; and the exact message when Python or PyTorch is
// missing (a Python without torch: the `python3` first on PATH on these machines, and Debian's run with -S).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectFolder, type OpenProject } from '../project/openProjectFolder.ts';
import type { PoseEvent } from '../../contract/poseApi.ts';
import { PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';

const DEBIAN_PYTHON = '/usr/bin/python3';
const SAMPLE = path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images');
const BUNDLED = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const torchMissing = spawnSync(DEBIAN_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0;
if (torchMissing) throw new Error(`these tests need PyTorch in ${DEBIAN_PYTHON}: apt-get install python3-torch`);

let base: string, checkpoint: string, noTorch: string;
const opened: OpenProject[] = [];
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'sp-ckpt-'));
  checkpoint = path.join(base, 'PoseNet_tiny.pth');
  const r = spawnSync(DEBIAN_PYTHON, ['-m', 'training.make_test_model', '--checkpoint', checkpoint], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  // Debian's Python without its site packages: a Python 3 that has no PyTorch, whatever else is installed.
  noTorch = path.join(base, 'python-without-torch');
  writeFileSync(noTorch, `#!/bin/sh\nexec ${DEBIAN_PYTHON} -S "$@"\n`);
  chmodSync(noTorch, 0o755);
}, 120_000);
afterAll(async () => {
  for (const p of opened) await p.close();
});

async function project(python = DEBIAN_PYTHON): Promise<OpenProject> {
  const dir = mkdtempSync(path.join(base, 'project-'));
  copyFileSync(path.join(SAMPLE, '000001.jpg'), path.join(dir, 'a.jpg'));
  copyFileSync(checkpoint, path.join(dir, 'PoseNet_tiny.pth')); // web mode imports from the exchange folder
  const p = await openProjectFolder(dir, { modelPath: BUNDLED, python });
  opened.push(p);
  return p;
}

/** Starts an import and collects its events until it ends. */
async function importInto(p: OpenProject, checkpointFile: string, onEvent?: (e: PoseEvent<'modelImport'>) => void) {
  const events: PoseEvent<'modelImport'>[] = [];
  const { jobId } = await p.service.importModel({ checkpoint: checkpointFile });
  await new Promise<void>((resolve) => {
    const f = (e: PoseEvent<'modelImport'>) => {
      if (e.jobId !== jobId) return;
      events.push(e);
      onEvent?.(e);
      if (['done', 'failed', 'cancelled'].includes(e.stage)) {
        p.service.events.off('modelImport', f);
        resolve();
      }
    };
    p.service.events.on('modelImport', f);
  });
  return { jobId, events, last: events.at(-1)! };
}

describe('importing a checkpoint of the official family', () => {
  it('exports it with the project exporter, test-runs, registers and uses it; progress on the way', async () => {
    const p = await project();
    const { events, last } = await importInto(p, path.join(p.root, 'PoseNet_tiny.pth'));
    expect(last).toMatchObject({ stage: 'done', fraction: 1, modelId: expect.any(Number) });
    expect(last.message).toMatch(/imported PoseNet_tiny\.pth as PoseNet_tiny\.onnx; detection now uses it/);
    const stages = [...new Set(events.map((e) => e.stage))];
    expect(stages).toEqual(['checking', 'loading', 'exporting', 'verifying', 'done']);
    expect(events.find((e) => e.stage === 'exporting')!.message).toMatch(/2 stacks, 1,050,256 parameters/);
    const fractions = events.map((e) => e.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    const setup = await p.service.getDetectSetup({});
    expect(setup.model).toMatchObject({ id: last.modelId, name: 'PoseNet_tiny', bundled: false, exists: true });
    expect(setup.model.path).toBe(path.join(p.root, '.simplepose-models', 'PoseNet_tiny.onnx'));
    expect(setup.model.facts.trainedOn).toBe('not stated in its card (exported from PoseNet_tiny.pth)');
    expect(setup.model.facts.parameters).toBe(1050256);
    // stored relative to the project folder, so the folder can move
    expect(p.db.prepare('SELECT path FROM models WHERE id = ?').pluck().get(last.modelId)).toBe(
      '.simplepose-models/PoseNet_tiny.onnx',
    );
    // the folder scan does not take the model folder in, and a second import never replaces the first
    expect((await p.service.listImages({})).total).toBe(1);
    const second = await importInto(p, path.join(p.root, 'PoseNet_tiny.pth'));
    expect(second.last.stage).toBe('done');
    expect(readdirSync(path.join(p.root, '.simplepose-models')).sort()).toEqual([
      'PoseNet_tiny-2.card.json',
      'PoseNet_tiny-2.onnx',
      'PoseNet_tiny.card.json',
      'PoseNet_tiny.onnx',
    ]);
  }, 180_000);

  it('says exactly what is missing: no Python at the path, a Python without PyTorch', async () => {
    const absent = await project('/nonexistent/bin/python3');
    const a = await importInto(absent, path.join(absent.root, 'PoseNet_tiny.pth'));
    expect(a.last.stage).toBe('failed');
    expect(a.last.message).toMatch(
      /^Python was not found at "\/nonexistent\/bin\/python3": .*install PyTorch for it \(Debian\/Ubuntu: sudo apt-get install python3-torch python3-onnx/,
    );
    const pythons = [noTorch];
    // The python3 first on PATH (pyenv's here) has no torch on these machines: the case a user meets first.
    if (spawnSync('python3', ['-c', 'import torch']).status === 1) pythons.push('python3');
    for (const python of pythons) {
      const p = await project(python);
      const r = await importInto(p, path.join(p.root, 'PoseNet_tiny.pth'));
      expect(r.last.stage).toBe('failed');
      expect(r.last.message).toMatch(
        new RegExp(
          `^PyTorch is not installed for ${python} \\(Python 3\\.\\d+\\.\\d+: ModuleNotFoundError: No module named 'torch'\\); install PyTorch`,
        ),
      );
      expect(r.last.message).toMatch(/simplepose serve --python PATH, or SIMPLEPOSE_PYTHON=PATH/);
      expect(existsSync(path.join(p.root, '.simplepose-models', 'PoseNet_tiny.onnx'))).toBe(false);
      expect((await p.service.getDetectSetup({})).model.bundled).toBe(true);
    }
  }, 120_000);

  it('refuses what is not a checkpoint or lies outside the exchange folder; a junk .pth fails with the reason', async () => {
    const p = await project();
    await expect(p.service.importModel({ checkpoint: path.join(p.root, 'a.jpg') })).rejects.toThrow(
      /not a PyTorch checkpoint \(expected a \.pth/,
    );
    await expect(p.service.importModel({ checkpoint: checkpoint })).rejects.toThrow(/outside the exchange folder/);
    await expect(p.service.importModel({ checkpoint: path.join(p.root, 'none.pth') })).rejects.toThrow(
      /none\.pth: no such file/,
    );
    writeFileSync(path.join(p.root, 'junk.pth'), 'not a checkpoint');
    const r = await importInto(p, path.join(p.root, 'junk.pth'));
    expect(r.last).toMatchObject({ stage: 'failed' });
    expect(r.last.message).toMatch(/^junk\.pth is not a checkpoint of the official IMHN family: /);
    expect(existsSync(path.join(p.root, '.simplepose-models', 'junk.onnx'))).toBe(false);
  }, 120_000);

  it('cancel stops the exporter at once and leaves nothing behind', async () => {
    const p = await project();
    let cancelled = false;
    const r = await importInto(p, path.join(p.root, 'PoseNet_tiny.pth'), (e) => {
      if (e.stage === 'loading' && !cancelled) {
        cancelled = true;
        void p.service.cancelJob({ jobId: e.jobId });
      }
    });
    expect(r.last.stage).toBe('cancelled');
    const dir = path.join(p.root, '.simplepose-models');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect((await p.service.getDetectSetup({})).model.bundled).toBe(true);
  }, 120_000);
});
