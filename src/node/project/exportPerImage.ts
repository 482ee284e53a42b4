import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../../core/coco/cocoTypes.ts';
import { serializeCoco } from '../../core/coco/cocoJson.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { exportTarget, type ProjectOwnFiles } from '../fs/projectPaths.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { exportCoco, type ExportOptions } from './cocoExchange.ts';

/**
 * One JSON file per image (COCO image record + its annotations + categories), the per-image exchange format:
 * `<dir>/<file_name with / replaced by __>.json`, each validated and written atomically. Every file is checked as
 * the single-file export checks its target (`exportTarget`: never a file that is not JSON, the project's own
 * files, a FIFO or device) before the first is written: a refusal writes nothing.
 */
export async function exportPerImage(
  db: ProjectDb,
  dir: string,
  o: ExportOptions & { own?: ProjectOwnFiles } = {},
): Promise<number> {
  const all = exportCoco(db, o);
  await mkdir(dir, { recursive: true });
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const a of all.annotations) {
    const l = byImage.get(a.image_id);
    if (l) l.push(a);
    else byImage.set(a.image_id, [a]);
  }
  const taken = new Set<string>();
  const targets = all.images.map((im) => {
    const file = path.join(dir, perImageFileName(im, taken));
    try {
      return exportTarget(file, { kind: 'any' }, o.own ?? {});
    } catch (e) {
      if (e instanceof ApiError) throw new ApiError(e.code, `${e.message} (nothing was written)`);
      throw e;
    }
  });
  for (const [i, im] of all.images.entries()) {
    const one: CocoDataset = {
      ...(all.info ? { info: all.info } : {}),
      images: [im],
      annotations: byImage.get(im.id) ?? [],
      categories: all.categories,
    };
    await writeFileAtomic(targets[i], serializeCoco(one), {
      sweep: i === 0, // one sweep of the folder, not one per file
    });
  }
  return all.images.length;
}

/**
 * `<file_name with / replaced by __>.json`, or `….<image id>.json` when an earlier image took that name — also one
 * that differs only in case or Unicode normalisation (one file on macOS and Windows disks): `sub/x.png` and
 * `sub__x.png`, `A.png` and `a.png` each keep a file of their own.
 */
function perImageFileName(im: CocoImage, taken: Set<string>): string {
  const base = im.file_name.replace(/[\\/]/g, '__');
  const folded = (n: string) => n.normalize('NFC').toLowerCase();
  let name = `${base}.json`;
  for (let k = 0; taken.has(folded(name)); k++) name = `${base}.${im.id}${k ? `-${k}` : ''}.json`;
  taken.add(folded(name));
  return name;
}
