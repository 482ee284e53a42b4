import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { renderScene } from '../../core/synth/renderScene.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../core/skeleton/poseMeta.ts';
import type { CocoAnnotation, CocoDataset } from '../../core/coco/cocoTypes.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';
import { serializeCoco } from '../../core/coco/cocoJson.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

export interface SynthOptions {
  outDir: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  minPersons: number;
  maxPersons: number;
  /** COCO keypoint files whose poses are used as templates (missing files are skipped). */
  templateFiles: string[];
  onProgress?: (done: number, total: number) => void;
}

/** Image i of a dataset uses seed mix(seed, i): any image can be regenerated alone. */
export function imageSeed(seed: number, i: number): number {
  let h = (seed ^ 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (i + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** `info.description` of every dataset `simplepose synth` writes: how the app tells synthetic images from photos. */
export const SYNTH_DATASET_DESCRIPTION = 'SimplePose Studio synthetic people';

/**
 * Writes `count` synthetic images (images/000001.jpg …) and annotations.json (COCO keypoints, validated before it
 * is written) into outDir. Deterministic for a seed.
 */
export async function writeSynthDataset(
  o: SynthOptions,
): Promise<{ annotationsFile: string; persons: number; templates: number }> {
  const templates = await loadTemplates(o.templateFiles);
  const imagesDir = path.join(o.outDir, 'images');
  await mkdir(imagesDir, { recursive: true });
  const data: CocoDataset = {
    info: {
      description: SYNTH_DATASET_DESCRIPTION,
      seed: o.seed,
      count: o.count,
      size: `${o.width}x${o.height}`,
      persons: `${o.minPersons}-${o.maxPersons}`,
      area_source: 'rendered silhouette pixel count (visible part)',
      templates: templates.length,
    },
    images: [],
    annotations: [],
    categories: [
      {
        id: 1,
        name: 'person',
        supercategory: 'person',
        keypoints: [...COCO_KEYPOINTS],
        skeleton: COCO_SKELETON_1BASED.map((p) => [...p]),
      },
    ],
  };
  let annId = 1;
  for (let i = 0; i < o.count; i++) {
    const scene = renderScene(imageSeed(o.seed, i), {
      width: o.width,
      height: o.height,
      minPersons: o.minPersons,
      maxPersons: o.maxPersons,
      templates,
    });
    const fileName = `${String(i + 1).padStart(6, '0')}.jpg`;
    const jpeg = await sharp(Buffer.from(scene.rgb), { raw: { width: o.width, height: o.height, channels: 3 } })
      .jpeg({ quality: scene.jpegQuality })
      .toBuffer();
    await writeFileAtomic(path.join(imagesDir, fileName), jpeg, { sweep: i === 0 }); // one sweep of the folder
    data.images.push({ id: i + 1, file_name: fileName, width: o.width, height: o.height });
    for (const a of scene.annotations)
      data.annotations.push({ id: annId++, image_id: i + 1, category_id: 1, iscrowd: 0, ...a } as CocoAnnotation);
    o.onProgress?.(i + 1, o.count);
  }
  const errors = validateCocoGt(data).filter((v) => v.severity === 'error');
  if (errors.length)
    throw new Error(
      `synthetic annotations break COCO rules: ${errors
        .slice(0, 3)
        .map((e) => `${e.path}: ${e.message}`)
        .join('; ')}`,
    );
  const annotationsFile = path.join(o.outDir, 'annotations.json');
  await writeFileAtomic(annotationsFile, serializeCoco(data));
  return { annotationsFile, persons: data.annotations.length, templates: templates.length };
}

/** Poses with at least 10 labelled keypoints from COCO files, as flat (x, y, v) arrays over the COCO keypoints. */
async function loadTemplates(files: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const f of files) {
    let json: CocoDataset;
    try {
      json = JSON.parse(await readFile(f, 'utf8')) as CocoDataset;
    } catch {
      continue;
    }
    for (const a of json.annotations ?? [])
      if (
        !a.iscrowd &&
        a.num_keypoints >= 10 &&
        Array.isArray(a.keypoints) &&
        a.keypoints.length === 3 * COCO_KEYPOINTS.length
      )
        out.push(a.keypoints);
  }
  return out;
}
