// What can be checked of packaging without a network (electron-builder downloads Electron to package): the config
// against electron-builder's own schema and validator, and that what it packs is what `electron-vite build` wrote.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(s: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>;
};
const load = () =>
  yaml.load(readFileSync(path.join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
    files: string[];
    extraResources: { from: string; to: string }[];
    asarUnpack: string[];
  };

describe('electron-builder.yml', () => {
  it("passes electron-builder's validator; a wrong key is refused by it", async () => {
    await expect(validateConfiguration(load(), { isEnabled: false, add() {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...load(), linuxx: {} }, { isEnabled: false, add() {} })).rejects.toThrow(
      /linuxx/,
    );
  });

  it('packs the electron-vite build: main entry, workers, migrations, preload, renderer; resources exist; natives unpacked', () => {
    ensureBuild(PROJECT_ROOT, () => undefined);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    const c = load();
    expect(c.files).toContain('out/**');
    expect(pkg.main.startsWith('out/')).toBe(true);
    for (const f of [
      pkg.main,
      'out/main/inferenceWorker.js',
      'out/main/sessionWorker.js',
      'out/main/projectWorker.js',
      'out/main/migrations/001-initial.sql',
      'out/preload/preload.cjs',
      'out/renderer/index.html',
    ])
      expect(existsSync(path.join(PROJECT_ROOT, f)), f).toBe(true);
    // Every migration the source has is in the build (the packaged app migrates projects with them).
    expect(readdirSync(path.join(PROJECT_ROOT, 'out/main/migrations'))).toEqual(
      readdirSync(path.join(PROJECT_ROOT, 'src/node/db/migrations')).filter((f) => f.endsWith('.sql')),
    );
    // Bundle files find the migrations and the workers beside themselves (import.meta.url): no subfolders of code.
    expect(
      readdirSync(path.join(PROJECT_ROOT, 'out/main'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
    ).toEqual(['migrations']);
    // The renderer loads from file:// in the app: relative asset URLs.
    expect(readFileSync(path.join(PROJECT_ROOT, 'out/renderer/index.html'), 'utf8')).toMatch(/src="\.\/assets\//);
    for (const r of c.extraResources) expect(existsSync(path.join(PROJECT_ROOT, r.from)), r.from).toBe(true);
    expect(existsSync(path.join(PROJECT_ROOT, 'resources/models/imhn-synth-tiny.onnx'))).toBe(true);
    for (const native of ['better-sqlite3', 'onnxruntime-node', 'sharp']) {
      expect(Object.keys(pkg.dependencies)).toContain(native);
      expect(c.asarUnpack.some((g) => g.includes(native))).toBe(true);
    }
    // A sandboxed preload can require nothing but Electron: the contract and its zod schemas are bundled into it.
    const preload = readFileSync(path.join(PROJECT_ROOT, 'out/preload/preload.cjs'), 'utf8');
    expect([...new Set(preload.match(/require\(["'][^"']+["']\)/g))]).toEqual(['require("electron")']);
    // The main bundle keeps native packages external (they load from node_modules at run time).
    const main = readdirSync(path.join(PROJECT_ROOT, 'out/main'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(PROJECT_ROOT, 'out/main', f), 'utf8'))
      .join('\n');
    expect(main).toMatch(/from "better-sqlite3"|require\("better-sqlite3"\)/);
  });

  it('the bundled inference worker runs: loads a model and infers an image, from out/main', async () => {
    ensureBuild(PROJECT_ROOT, () => undefined);
    // The worker is a child process (PoseEngine forks it; in Electron, fork runs it as Node).
    const { fork } = await import('node:child_process');
    const worker = fork(
      path.join(PROJECT_ROOT, 'out/main/inferenceWorker.js'),
      [JSON.stringify({ modelPath: path.join(PROJECT_ROOT, 'test/fixtures/model/tiny.onnx'), provider: 'cpu' })],
      { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const next = (type: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const f = (m: Record<string, unknown>) => {
          if (m.type === type || m.type === 'failed' || m.type === 'error') {
            worker.off('message', f);
            resolve(m);
          }
        };
        worker.on('message', f);
        worker.once('error', reject);
      });
    expect(await next('loaded')).toMatchObject({ type: 'loaded', provider: 'cpu' });
    const image = path.join(
      PROJECT_ROOT,
      'resources/sample-project/images',
      readdirSync(path.join(PROJECT_ROOT, 'resources/sample-project/images'))[0],
    );
    worker.send({
      type: 'infer',
      id: 1,
      image,
      imageId: 1,
      options: { scales: [0.25], flip: false, mode: 'fast' },
    });
    const r = await next('result');
    expect(r).toMatchObject({ type: 'result', id: 1 });
    worker.kill('SIGKILL');
  });

  it('the bundled project worker runs: a scan and a COCO export on its own connection, from out/main', async () => {
    ensureBuild(PROJECT_ROOT, () => undefined);
    const { Worker } = await import('node:worker_threads');
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openProjectDb } = await import('../../src/node/db/openProjectDb.ts');
    const root = mkdtempSync(path.join(tmpdir(), 'sp-bundled-worker-'));
    const images = path.join(PROJECT_ROOT, 'resources/sample-project/images');
    copyFileSync(path.join(images, readdirSync(images)[0]), path.join(root, 'one.jpg'));
    const dbFile = path.join(root, '.simplepose.sqlite');
    openProjectDb(dbFile).close(); // the app opens (and migrates) the project before its worker does
    const worker = new Worker(path.join(PROJECT_ROOT, 'out/main/projectWorker.js'), { workerData: { dbFile } });
    const ask = (id: number, task: string, args: unknown) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const f = (m: Record<string, unknown>) => {
          if (m.id !== id) return;
          worker.off('message', f);
          resolve(m);
        };
        worker.on('message', f);
        worker.once('error', reject);
        worker.postMessage({ id, task, args });
      });
    expect(await ask(1, 'syncImages', { root })).toMatchObject({ ok: true, value: { added: 1 } });
    const out = path.join(root, 'gt.json');
    expect(await ask(2, 'exportGt', { out, onlyReviewed: false })).toMatchObject({ ok: true, value: { path: out } });
    expect(await ask(3, 'evaluate', {})).toMatchObject({ ok: false, error: { name: 'ApiError', code: 'conflict' } });
    await worker.terminate();
  });
});
