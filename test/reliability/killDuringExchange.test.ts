import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { serializeCoco } from '../../src/core/coco/cocoJson.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const CLI = path.join(PROJECT_ROOT, 'bin', 'simplepose.js');

function bigCoco(images: number): string {
  const imgs = [],
    anns = [];
  for (let i = 1; i <= images; i++) {
    imgs.push({ id: i, file_name: `img${i}.jpg`, width: 64, height: 48 });
    for (let p = 0; p < 5; p++)
      anns.push({
        id: i * 10 + p,
        image_id: i,
        category_id: 1,
        keypoints: Array.from({ length: 51 }, (_, k) => (k % 3 === 2 ? 2 : 10 + k)),
        num_keypoints: 17,
        bbox: [1, 1, 10, 10],
        area: 100,
        iscrowd: 0 as const,
      });
  }
  return serializeCoco({ images: imgs, annotations: anns, categories: [{ id: 1, name: 'person' }] });
}

/** Runs the CLI and kills it with SIGKILL after `afterMs`; resolves when it is gone. */
function killAfter(args: string[], afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('kill -9 during COCO exchange', () => {
  it('during import: the project holds all of the import or none of it, and importing again completes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-kill-import-'));
    const coco = path.join(dir, 'big.json');
    writeFileSync(coco, bigCoco(3000));
    const project = path.join(dir, 'p.sqlite');
    for (const ms of [900, 1600, 2400]) {
      await killAfter(['import', coco, '--images', dir, '--project', project], ms);
      const db = openProjectDb(project);
      const n = db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
      const a = db.prepare('SELECT COUNT(*) FROM annotations').pluck().get() as number;
      db.close();
      expect([0, 3000]).toContain(n);
      expect(a).toBe(n);
    }
    await new Promise<void>((resolve) =>
      spawn(process.execPath, [CLI, 'import', coco, '--images', dir, '--project', project], { stdio: 'ignore' }).on(
        'exit',
        () => resolve(),
      ),
    );
    const db = openProjectDb(project);
    expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(3000);
    db.close();
  }, 120_000);
  it('during export: the previous export file stays whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-kill-export-'));
    const coco = path.join(dir, 'big.json');
    writeFileSync(coco, bigCoco(3000));
    const project = path.join(dir, 'p.sqlite');
    await new Promise<void>((resolve) =>
      spawn(process.execPath, [CLI, 'import', coco, '--images', dir, '--project', project], { stdio: 'ignore' }).on(
        'exit',
        () => resolve(),
      ),
    );
    const out = path.join(dir, 'export.json');
    writeFileSync(out, '{"previous": true}');
    for (const ms of [700, 1200, 1800]) {
      await killAfter(['export', '--project', project, '--out', out], ms);
      const text = readFileSync(out, 'utf8');
      const parsed = JSON.parse(text); // never half-written
      expect(parsed.previous === true || parsed.images?.length === 3000).toBe(true);
    }
  }, 120_000);
});
