import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DecodeInput, DecodePass } from '../../core/codec/decodeCase.ts';
import { combinedPass, type CombinedPass } from '../../core/codec/combinedPass.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

/** The files of one map cache entry (names inside the cache folder), as its `map_cache.file` column holds them. */
export interface MapFiles {
  passes: { multiplier: number; maps: string; flipped: string | null }[];
  /**
   * Several passes: the decoder's scale-combined maps as one flip-free pass (core/codec/combinedPass.ts, of the
   * passes as their files hold them), the overlay's and the corrections' maps. Absent for one pass (its flip average
   * is those maps) and in entries written before it existed (combined from their passes on read: MapCache.overlay).
   */
  combined?: { multiplier: number; maps: string };
}

/** What an entry is made of: the image's size (the passes' geometry) and the raw passes. */
export type MapsInput = { image: Pick<DecodeInput['image'], 'width' | 'height'>; passes: DecodePass[] };

/**
 * Writes the maps of every pass as float16 .npy files `<key>.p<i>.npy` (and `<key>.p<i>f.npy` for the flipped
 * pass) in `dir`, each atomically, and for several passes their combination `<key>.c.npy`; nothing is recorded
 * (MapCache.record does, in the caller's transaction). Used by MapCache and by the inference worker, which writes a
 * detected image's maps itself rather than sending them.
 */
export async function writeMapFiles(
  dir: string,
  key: string,
  input: MapsInput,
): Promise<{ files: MapFiles; bytes: number }> {
  await mkdir(dir, { recursive: true });
  const files: MapFiles = { passes: [] };
  let bytes = 0;
  const save = async (name: string, data: Uint8Array) => {
    await writeFileAtomic(path.join(dir, name), data, { sweep: false });
    bytes += data.length;
    return name;
  };
  const cached: DecodePass[] = [];
  for (const [i, p] of input.passes.entries()) {
    const raw = writeNpy(p.maps, 'float16');
    const flippedRaw = p.flippedMaps ? writeNpy(p.flippedMaps, 'float16') : null;
    const maps = await save(`${key}.p${i}.npy`, raw);
    const flipped = flippedRaw ? await save(`${key}.p${i}f.npy`, flippedRaw) : null;
    files.passes.push({ multiplier: p.multiplier, maps, flipped });
    if (input.passes.length > 1)
      cached.push({ multiplier: p.multiplier, maps: parseNpy(raw), flippedMaps: flippedRaw && parseNpy(flippedRaw) });
  }
  if (cached.length > 1) {
    const c = cachedCombination(input.image, cached);
    files.combined = { multiplier: c.multiplier, maps: await save(`${key}.c.npy`, writeNpy(c.maps, 'float16')) };
  }
  return { files, bytes };
}

/**
 * The maps the overlay and the corrections read, of passes as a cache holds them (float16-rounded): one function
 * for the entry's file, an older entry read back and the team store, so that all give the same values.
 */
export function cachedCombination(image: MapsInput['image'], cached: DecodePass[]): CombinedPass {
  return combinedPass({ image: { id: 0, width: image.width, height: image.height }, passes: cached });
}
