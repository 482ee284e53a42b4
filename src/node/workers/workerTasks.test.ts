// The heavy work of a project in a real worker thread with its own connection to a real project database.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../core/skeleton/poseMeta.ts';
import { createProjectService } from '../project/projectService.ts';
import { inProcessTasks } from './projectTasks.ts';
import { WorkerTasks } from './workerTasks.ts';

const coco = (files: string[], persons = 1) => ({
  images: files.map((file_name, i) => ({ id: i + 1, file_name, width: 64, height: 48 })),
  annotations: files.flatMap((_, i) =>
    Array.from({ length: persons }, (_, p) => ({
      id: i * persons + p + 1,
      image_id: i + 1,
      category_id: 1,
      keypoints: COCO_KEYPOINTS.flatMap((_, k) => [10 + k, 5 + p, 2]),
      num_keypoints: COCO_KEYPOINTS.length,
      bbox: [10, 5, 20, 20],
      area: 400,
      iscrowd: 0,
    })),
  ),
  categories: [
    { id: 1, name: 'person', keypoints: [...COCO_KEYPOINTS], skeleton: COCO_SKELETON_1BASED.map((q) => [...q]) },
  ],
});

async function folder(files: string[]): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-worker-'));
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#246' } })
    .png()
    .toBuffer();
  for (const f of files) writeFileSync(path.join(root, f), png);
  return root;
}

describe('WorkerTasks', () => {
  it('scans, imports, exports and evaluates on its own connection, as the same tasks do in-process', async () => {
    const root = await folder(['a.png', 'b.png']);
    const file = path.join(root, '.p.sqlite');
    const db = openProjectDb(file);
    const worker = new WorkerTasks(file);
    expect(await worker.run('syncImages', { root })).toMatchObject({ added: 2, unreadable: [] });
    expect(
      imageRepository(db)
        .all()
        .map((r) => [r.relPath, r.contentHash.length]),
    ).toEqual([
      ['a.png', 64],
      ['b.png', 64],
    ]); // the main connection sees what the worker committed
    writeFileSync(path.join(root, 'in.json'), JSON.stringify(coco(['a.png', 'b.png', 'gone.png'], 2)));
    const imported = await worker.run('importCoco', { file: path.join(root, 'in.json'), root });
    expect(imported).toMatchObject({ images: 3, persons: 6, missingFiles: ['gone.png'], changes: { imagesAdded: 1 } });
    const viaWorker = await worker.run('exportGt', { out: path.join(root, 'w.json'), scope: {} });
    await inProcessTasks(db).run('exportGt', { out: path.join(root, 'p.json'), scope: {} });
    expect(viaWorker).toEqual({
      images: 3,
      annotations: 6,
      path: path.join(root, 'w.json'),
      emptyPersons: 0,
      leftOut: [],
    });
    expect(readFileSync(path.join(root, 'w.json'), 'utf8')).toBe(readFileSync(path.join(root, 'p.json'), 'utf8'));
    const { info: _info, ...back } = JSON.parse(readFileSync(path.join(root, 'w.json'), 'utf8'));
    expect(back).toEqual(coco(['a.png', 'b.png', 'gone.png'], 2));
    await worker.close();
    db.close();
  });

  it('gives back errors as the same kinds, with their codes and details', async () => {
    const root = await folder(['a.png']);
    const file = path.join(root, '.p.sqlite');
    openProjectDb(file).close();
    const worker = new WorkerTasks(file);
    writeFileSync(path.join(root, 'bad.json'), '{"images": 3}');
    const bad = await worker.run('importCoco', { file: path.join(root, 'bad.json'), root }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CocoFormatError);
    expect((bad as CocoFormatError).violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'images', severity: 'error' })]),
    );
    const none = await worker.run('evaluate', {}).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ApiError);
    expect(none).toMatchObject({
      code: 'conflict',
      message: 'no finished detection run to evaluate yet: run detection first',
    });
    expect(
      await worker.run('exportResults', { out: path.join(root, 'r.json'), runId: 7, scope: { all: true } }),
    ).toMatchObject({
      annotations: 0,
    });
    const missing = await worker.run('importCoco', { file: path.join(root, 'none.json'), root }).catch((e) => e);
    expect(missing).toMatchObject({ name: 'CocoFormatError', message: expect.stringMatching(/no such file/) });
    await worker.close();
    await expect(worker.run('evaluate', {})).rejects.toThrow(/the project is closed/);
  });

  it('a project that cannot be opened fails its tasks with a message; the worker is not left behind', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-worker-none-'));
    const worker = new WorkerTasks(path.join(root, 'nothing.sqlite'));
    await expect(worker.run('syncImages', { root })).rejects.toThrow(/cannot open project .*nothing\.sqlite/);
    await worker.close();
  });

  it("keeps the service's thread free: an import waiting on a file never stalls it (in-process, it does)", async () => {
    const stallMs = async (tasks: 'worker' | 'in-process') => {
      const root = await folder([]);
      const fifo = path.join(root, 'slow.png'); // reading it blocks until someone writes to it
      execFileSync('mkfifo', [fifo]);
      writeFileSync(path.join(root, 'in.json'), JSON.stringify(coco(['slow.png'])));
      const db = openProjectDb(path.join(root, '.p.sqlite'));
      const service = createProjectService(db, root, tasks === 'worker' ? {} : { tasks: inProcessTasks(db) });
      // Someone fills the file 1.5 s from now, from another process (this thread may be the one that is stuck).
      const writer = spawn('sh', ['-c', `sleep 1.5; printf png > '${fifo}'`], { stdio: 'ignore' });
      const written = new Promise((r) => writer.once('exit', r));
      const t0 = performance.now();
      const ticked = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now() - t0), 20));
      const imported = service.importCoco({ path: path.join(root, 'in.json') });
      const late = (await ticked) - 20;
      expect(await imported).toMatchObject({ changes: { imagesAdded: 1 } });
      await written;
      await service.shutdown();
      db.close();
      return late;
    };
    expect(await stallMs('worker')).toBeLessThan(500);
    expect(await stallMs('in-process')).toBeGreaterThan(1000);
  });
});
