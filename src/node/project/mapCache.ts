import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { isBusyError } from '../db/writeTransaction.ts';

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

/** An entry whose files are on disk but which is not recorded yet (MapCache.write → MapCache.record). */
export interface WrittenEntry {
  key: string;
  k: MapCacheKey;
  entry: Entry;
  bytes: number;
  now: number;
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

  /**
   * Writes an entry's files and records it. A caller that must commit something together with the entry (detection:
   * the prediction) uses `write` and `record` instead, so that a kill in between leaves neither.
   */
  async put(k: MapCacheKey, passes: DecodePass[], now = Date.now()): Promise<void> {
    const entry = await this.write(k, passes, now);
    this.db.transaction(() => this.record(entry)).immediate();
    await this.evict();
  }

  /** Writes an entry's map files (each atomically); nothing is recorded yet, so readers do not see it. */
  async write(k: MapCacheKey, passes: DecodePass[], now = Date.now()): Promise<WrittenEntry> {
    const key = MapCache.keyOf(k);
    await mkdir(this.dir, { recursive: true });
    const entry: Entry = { passes: [] };
    let bytes = 0;
    const save = async (name: string, t: DecodePass['maps']) => {
      const data = writeNpy(t, 'float16');
      await writeFileAtomic(path.join(this.dir, name), data, { sweep: false });
      bytes += data.length;
      return name;
    };
    for (const [i, p] of passes.entries()) {
      const maps = await save(`${key}.p${i}.npy`, p.maps);
      const flipped = p.flippedMaps ? await save(`${key}.p${i}f.npy`, p.flippedMaps) : null;
      entry.passes.push({ multiplier: p.multiplier, maps, flipped });
    }
    return { key, k, entry, bytes, now };
  }

  /** Records a written entry: one statement, for the caller's (IMMEDIATE) transaction. */
  record(w: WrittenEntry): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO map_cache (key, image_hash, model_hash, settings, file, bytes, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(w.key, w.k.imageHash, w.k.modelHash, JSON.stringify(w.k.settings), JSON.stringify(w.entry), w.bytes, w.now);
  }

  /** Removes temporary files that writes killed half-way left in the cache folder. */
  removeStaleTempFiles(): Promise<string[]> {
    return removeStaleTempFiles(this.dir);
  }

  async get(k: MapCacheKey, now = Date.now()): Promise<DecodePass[] | null> {
    const key = MapCache.keyOf(k);
    const row = this.db.prepare('SELECT file FROM map_cache WHERE key = ?').get(key) as { file: string } | undefined;
    if (!row) return null;
    const passes: DecodePass[] = [];
    try {
      const entry = JSON.parse(row.file) as Entry;
      const load = async (f: string) => {
        const b = await readFile(path.join(this.dir, f));
        return parseNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      };
      for (const p of entry.passes)
        passes.push({
          multiplier: p.multiplier,
          maps: await load(p.maps),
          flippedMaps: p.flipped ? await load(p.flipped) : null,
        });
    } catch {
      await this.drop(key, row.file); // only an entry whose files are gone or damaged
      return null;
    }
    // LRU bookkeeping only: a reader must not fail (nor drop the entry) because another writer holds the lock.
    try {
      this.db.prepare('UPDATE map_cache SET last_used = ? WHERE key = ?').run(now, key);
    } catch (e) {
      if (!isBusyError(e)) throw e;
    }
    return passes;
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

  /** Drops least recently used entries until the cache is within its size limit. */
  async evict(): Promise<void> {
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
