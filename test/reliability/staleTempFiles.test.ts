// A killed export leaves `.out.json.<pid>.<ms>.tmp` beside its target (writeFileAtomic's temporary file); the next
// export to that folder removes it. The kill is real: SIGKILL the moment the temporary file appears.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { importCoco } from '../../src/node/project/cocoImport.ts';
import { serializeCoco } from '../../src/core/coco/cocoJson.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const CLI = path.join(PROJECT_ROOT, 'bin', 'simplepose.js');

async function bigProject(dir: string, images: number): Promise<string> {
  const imgs = [],
    anns = [];
  for (let i = 1; i <= images; i++) {
    imgs.push({ id: i, file_name: `img${i}.jpg`, width: 64, height: 48 });
    for (let p = 0; p < 4; p++)
      anns.push({
        id: i * 10 + p,
        image_id: i,
        category_id: 1,
        keypoints: Array.from({ length: 51 }, (_, k) => (k % 3 === 2 ? 2 : 10 + k + p / 7)),
        num_keypoints: 17,
        bbox: [1, 1, 10, 10],
        area: 100,
        iscrowd: 0 as const,
      });
  }
  const coco = path.join(dir, 'big.json');
  writeFileSync(coco, serializeCoco({ images: imgs, annotations: anns, categories: [{ id: 1, name: 'person' }] }));
  const project = path.join(dir, 'p.sqlite');
  const db = openProjectDb(project);
  await importCoco(db, coco, dir);
  db.close();
  return project;
}

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** `simplepose export` into `outDir`, killed with SIGKILL as soon as its temporary file shows up (if `kill`). */
function exportTo(project: string, outDir: string, kill: boolean): Promise<number | null> {
  return new Promise((resolve) => {
    const watcher = watch(outDir, (_e, name) => {
      if (kill && name?.endsWith('.tmp')) child.kill('SIGKILL');
    });
    const child = spawn(
      process.execPath,
      [CLI, 'export', '--project', project, '--out', path.join(outDir, 'out.json')],
      {
        stdio: 'ignore',
      },
    );
    child.on('exit', (code) => {
      watcher.close();
      resolve(code);
    });
  });
}

describe('stale temporary files', () => {
  it('a killed export leaves its temporary file; the next export to that folder removes it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-stale-'));
    const project = await bigProject(dir, 4000);
    const outDir = mkdtempSync(path.join(tmpdir(), 'sp-stale-out-'));
    writeFileSync(path.join(outDir, 'keep.tmp'), 'not ours'); // another tool's file: never touched
    for (let attempt = 0; attempt < 10 && temps(outDir).length < 2; attempt++) await exportTo(project, outDir, true);
    const left = temps(outDir).filter((f) => f !== 'keep.tmp');
    expect(left.length, 'a killed export left its temporary file').toBeGreaterThan(0);
    expect(left[0]).toMatch(/^\.out\.json\.\d+\.\d+\.tmp$/);
    expect(await exportTo(project, outDir, false)).toBe(0);
    expect(temps(outDir)).toEqual(['keep.tmp']);
    expect(JSON.parse(readFileSync(path.join(outDir, 'out.json'), 'utf8')).images).toHaveLength(4000);
  }, 120_000);
});
