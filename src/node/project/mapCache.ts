import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

/** The project's cache folder (maps, thumbnails) inside its root; hidden, so scans skip it. */
export function projectCacheDir(root: string): string {
  return path.join(root, '.simplepose-cache');
}

/** What a cached entry depends on: the image bytes, the model bytes and the inference settings. */
export interface MapCacheKey {
  imageHash: string;
  modelHash: string;
  settings: { scales: number[]; flip: boolean };
}

interface Entry {
  passes: { multiplier: number; maps: string; flipped: string | null }[];
}

/**
 * The raw stride-4 maps of every pass, cached on disk as FP16 .npy (half the size; 1e-3 relative precision is
 * plenty for display and hardness) in `dir`, indexed in the project's `map_cache` table, least recently used
 * entries evicted above `limitBytes`. A row whose files are missing or unreadable is a miss, and is dropped.
 */
export class MapCache {
  private readonly db: ProjectDb;
  private readonly dir: string;
  private readonly limitBytes: number;

  constructor(db: ProjectDb, dir: string, limitBytes = 2 * 2 ** 30) {
    this.db = db;
    this.dir = dir;
    this.limitBytes = limitBytes;
  }

  static keyOf(k: MapCacheKey): string {
    return createHash('sha256')
      .update(`${k.imageHash}/${k.modelHash}/${JSON.stringify(k.settings)}`)
      .digest('hex')
      .slice(0, 32);
  }

  async put(k: MapCacheKey, passes: DecodePass[], now = Date.now()): Promise<void> {
    const key = MapCache.keyOf(k);
    await mkdir(this.dir, { recursive: true });
    const entry: Entry = { passes: [] };
    let bytes = 0;
    for (const [i, p] of passes.entries()) {
      const maps = `${key}.p${i}.npy`;
      const data = writeNpy(p.maps, 'float16');
      await writeFileAtomic(path.join(this.dir, maps), data);
      bytes += data.length;
      let flipped: string | null = null;
      if (p.flippedMaps) {
        flipped = `${key}.p${i}f.npy`;
        const f = writeNpy(p.flippedMaps, 'float16');
        await writeFileAtomic(path.join(this.dir, flipped), f);
        bytes += f.length;
      }
      entry.passes.push({ multiplier: p.multiplier, maps, flipped });
    }
    this.db
      .prepare(
        'INSERT OR REPLACE INTO map_cache (key, image_hash, model_hash, settings, file, bytes, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(key, k.imageHash, k.modelHash, JSON.stringify(k.settings), JSON.stringify(entry), bytes, now);
    await this.evict();
  }

  async get(k: MapCacheKey, now = Date.now()): Promise<DecodePass[] | null> {
    const key = MapCache.keyOf(k);
    const row = this.db.prepare('SELECT file FROM map_cache WHERE key = ?').get(key) as { file: string } | undefined;
    if (!row) return null;
    try {
      const entry = JSON.parse(row.file) as Entry;
      const load = async (f: string) => {
        const b = await readFile(path.join(this.dir, f));
        return parseNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      };
      const passes: DecodePass[] = [];
      for (const p of entry.passes)
        passes.push({
          multiplier: p.multiplier,
          maps: await load(p.maps),
          flippedMaps: p.flipped ? await load(p.flipped) : null,
        });
      this.db.prepare('UPDATE map_cache SET last_used = ? WHERE key = ?').run(now, key);
      return passes;
    } catch {
      await this.drop(key, row.file);
      return null;
    }
  }

  /**
   * The first pass's multiplier when the entry is cached and its map file is there, without reading the maps
   * (their shape follows from the image size and the multiplier: passGeometry).
   */
  async firstPassMultiplier(k: MapCacheKey): Promise<number | null> {
    const row = this.db.prepare('SELECT file FROM map_cache WHERE key = ?').get(MapCache.keyOf(k)) as
      | { file: string }
      | undefined;
    if (!row) return null;
    try {
      const first = (JSON.parse(row.file) as Entry).passes[0];
      await access(path.join(this.dir, first.maps));
      return first.multiplier;
    } catch {
      return null;
    }
  }

  totalBytes(): number {
    return this.db.prepare('SELECT COALESCE(SUM(bytes), 0) FROM map_cache').pluck().get() as number;
  }

  private async evict(): Promise<void> {
    let total = this.totalBytes();
    if (total <= this.limitBytes) return;
    const rows = this.db.prepare('SELECT key, file, bytes FROM map_cache ORDER BY last_used ASC').all() as {
      key: string;
      file: string;
      bytes: number;
    }[];
    for (const r of rows) {
      if (total <= this.limitBytes) break;
      await this.drop(r.key, r.file);
      total -= r.bytes;
    }
  }

  private async drop(key: string, file: string): Promise<void> {
    this.db.prepare('DELETE FROM map_cache WHERE key = ?').run(key);
    try {
      const entry = JSON.parse(file) as Entry;
      for (const p of entry.passes)
        for (const f of [p.maps, p.flipped]) if (f) await rm(path.join(this.dir, f), { force: true });
    } catch {
      /* the row was unreadable: nothing else to remove */
    }
  }
}
