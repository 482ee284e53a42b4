import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeNpy } from '../../core/tensor/parseNpy.ts';
import type { DecodeInput } from '../../core/codec/decodeCase.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { DECODE_CASE_FORMAT, type DecodeCaseJson } from './readDecodeCase.ts';

/**
 * Writes one image's passes as a decode case (`case.json` + `.npy`, the fixture format) into `dir`, so that
 * `simplepose decode` replays them. Maps are stored as float32 ('<f4'), not float16, so the replay is exact.
 */
export async function writeDecodeCase(dir: string, input: DecodeInput, fileName?: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const passes: DecodeCaseJson['passes'] = [];
  for (const [i, p] of input.passes.entries()) {
    const maps = `scale${i}.npy`;
    await writeFileAtomic(path.join(dir, maps), writeNpy(p.maps, 'float32'));
    let flipped: string | null = null;
    if (p.flippedMaps) {
      flipped = `scale${i}_flip.npy`;
      await writeFileAtomic(path.join(dir, flipped), writeNpy(p.flippedMaps, 'float32'));
    }
    passes.push({ multiplier: p.multiplier, maps, flipped_maps: flipped });
  }
  const json: DecodeCaseJson = {
    format: DECODE_CASE_FORMAT,
    layout: 'imhn-50: 30 body parts, 18 keypoints, 2 background',
    image: {
      id: input.image.id,
      ...(fileName ? { file_name: fileName } : {}),
      width: input.image.width,
      height: input.image.height,
    },
    passes,
  };
  const file = path.join(dir, 'case.json');
  await writeFileAtomic(file, `${JSON.stringify(json, null, 1)}\n`);
  return file;
}
