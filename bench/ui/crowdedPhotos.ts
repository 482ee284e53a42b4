// The photos of a folder on which the model finds at least `minPersons` persons (issue 13: the next image measured
// on COCO photos with 10+ persons): every photo detected once in a scratch project, the first `count` kept.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { syncImages } from '../../src/node/project/syncImages.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { imageRepository } from '../../src/node/db/imageRepository.ts';
import { runRepository } from '../../src/node/db/runRepository.ts';

export async function crowdedPhotos(
  src: string,
  minPersons: number,
  count: number,
  modelPath: string,
): Promise<{ files: string[]; persons: number[] }> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'sp-bench-crowded-'));
  const all = readdirSync(src)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  for (const f of all) copyFileSync(path.join(src, f), path.join(scratch, f));
  const db = openProjectDb(path.join(scratch, '.simplepose.sqlite'));
  await syncImages(db, scratch);
  const { runId } = await runDetectJob(db, {
    modelPath,
    root: scratch,
    settings: { scales: [1], flip: true, mode: 'fast' },
    provider: 'cpu',
  });
  const predicted = runRepository(db).predictionsOf(runId);
  const byPath = new Map(
    imageRepository(db)
      .present()
      .map((im) => [im.relPath, predicted.get(im.id)?.length ?? 0]),
  );
  db.close();
  rmSync(scratch, { recursive: true, force: true });
  const files = all.filter((f) => (byPath.get(f) ?? 0) >= minPersons).slice(0, count);
  return { files, persons: files.map((f) => byPath.get(f)!) };
}
