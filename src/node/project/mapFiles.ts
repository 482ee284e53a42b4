import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { writeNpy } from '../../core/tensor/parseNpy.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

/** The files of one map cache entry (names inside the cache folder), as its `map_cache.file` column holds them. */
export interface MapFiles {
  passes: { multiplier: number; maps: string; flipped: string | null }[];
}

/**
 * Writes the maps of every pass as float16 .npy files `<key>.p<i>.npy` (and `<key>.p<i>f.npy` for the flipped
 * pass) in `dir`, each atomically; nothing is recorded (MapCache.record does, in the caller's transaction). Used by
 * MapCache and by the inference worker, which writes a detected image's maps itself rather than sending them.
 */
export async function writeMapFiles(
  dir: string,
  key: string,
  passes: DecodePass[],
): Promise<{ files: MapFiles; bytes: number }> {
  await mkdir(dir, { recursive: true });
  const files: MapFiles = { passes: [] };
  let bytes = 0;
  const save = async (name: string, t: DecodePass['maps']) => {
    const data = writeNpy(t, 'float16');
    await writeFileAtomic(path.join(dir, name), data, { sweep: false });
    bytes += data.length;
    return name;
  };
  for (const [i, p] of passes.entries()) {
    const maps = await save(`${key}.p${i}.npy`, p.maps);
    const flipped = p.flippedMaps ? await save(`${key}.p${i}f.npy`, p.flippedMaps) : null;
    files.passes.push({ multiplier: p.multiplier, maps, flipped });
  }
  return { files, bytes };
}
