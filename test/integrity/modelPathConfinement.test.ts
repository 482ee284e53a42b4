// Attack on issue 10: `startDetect.modelPath` (and setDetectSetup's) came from the wire, so a page holding the token
// (or the Electron renderer) could have any file on disk loaded as a model. Model files a request names are now
// confined as exchange files are: the app's bundled models, the project's models folder, the exchange folder in
// web mode, the file chosen in the open dialog in Electron; anything else is a 403 that says where models may be.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { ExchangePicker } from '../../src/main/exchangePicker.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';

const BUNDLED = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const TINY = path.join(MODEL_FIXTURES, 'tiny.onnx'); // a real model, outside the project
const SAMPLE = path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', '000001.jpg');
const quick = { scales: [0.25], flip: false, mode: 'fast' as const };
const opened: OpenProject[] = [];
afterAll(async () => {
  for (const p of opened) await p.close();
});

async function project(o: Parameters<typeof openProjectFolder>[1] = {}): Promise<OpenProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-model-confine-'));
  copyFileSync(SAMPLE, path.join(dir, 'a.jpg'));
  const p = await openProjectFolder(dir, { modelPath: BUNDLED, ...o });
  opened.push(p);
  return p;
}

describe('model files named by a request (web mode: the project folder is the exchange folder)', () => {
  it('refuses a file outside the project, the bundled models and the exchange folder — before reading it', async () => {
    const p = await project();
    for (const file of ['/etc/passwd', TINY]) {
      for (const call of [
        () => p.service.startDetect({ modelPath: file, settings: quick }),
        () => p.service.setDetectSetup({ settings: quick, modelPath: file }),
      ])
        await expect(call()).rejects.toMatchObject({
          code: 'forbidden',
          message: `${file}: a model must be the app's own, in the project's models folder, or inside the exchange folder ${p.root}`,
        });
    }
    // a link inside the project that leads out is refused by its real path
    symlinkSync(TINY, path.join(p.root, 'link.onnx'));
    await expect(
      p.service.setDetectSetup({ settings: quick, modelPath: path.join(p.root, 'link.onnx') }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await p.service.getDetectSetup({})).model).toMatchObject({ path: BUNDLED, bundled: true });
  });

  it('takes the bundled model, a model in the project folder, or in its models folder', async () => {
    const p = await project();
    await p.service.setDetectSetup({ settings: quick, modelPath: BUNDLED });
    copyFileSync(TINY, path.join(p.root, 'mine.onnx'));
    const s = await p.service.setDetectSetup({ settings: quick, modelPath: path.join(p.root, 'mine.onnx') });
    expect(s.model).toMatchObject({ name: 'mine', bundled: false });
    mkdirSync(path.join(p.root, '.simplepose-models'), { recursive: true });
    copyFileSync(TINY, path.join(p.root, '.simplepose-models', 'imported.onnx'));
    const t = await p.service.setDetectSetup({
      settings: quick,
      modelPath: path.join(p.root, '.simplepose-models', 'imported.onnx'),
    });
    expect(t.model).toMatchObject({ name: 'imported' });
  });
});

describe('model files in Electron (the picked policy)', () => {
  it('only the file chosen in the open dialog, once', async () => {
    let answer: string | null = TINY;
    const picker = new ExchangePicker(async () => answer);
    const p = await project({ exchange: picker.policy });
    await expect(p.service.setDetectSetup({ settings: quick, modelPath: TINY })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('the file chosen in the open dialog'),
    });
    expect(await picker.pick('import', TINY, p.root, 'model')).toBe(TINY);
    const s = await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    expect(s.model).toMatchObject({ name: 'tiny' });
    answer = null;
    await expect(p.service.setDetectSetup({ settings: quick, modelPath: TINY })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
