import { access, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { perConnection, StatementCache } from '../db/statementCache.ts';
import { isBusyError, writeTransaction } from '../db/writeTransaction.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy } from '../../core/tensor/parseNpy.ts';
import { removeStaleTempFiles } from '../fs/writeFileAtomic.ts';
import { type MapFiles, writeMapFiles } from './mapFiles.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';

/** The project's cache folder (maps, thumbnails) inside its root; hidden, so scans skip it. */
export function projectCacheDir(root: string): string {
  return path.join(root, '.simplepose-cache');
}

/** What a cached entry depends on: the image bytes, the model bytes and the inference settings. */
export interface MapCacheKey {
  imageHash: string;
  modelHash: string;
  settings: Pick<DetectSettings, 'scales' | 'flip'>;
}

/** What of a run decides its maps: the model's bytes and the settings that change the network's input. */
export type RunMapSettings = { modelHash: string } & Pick<DetectSettings, 'scales' | 'flip'>;

/** The cache key of an image's maps in a run; built here only, so detection writes what the readers look up. */
export function mapCacheKey(imageHash: string, run: RunMapSettings): MapCacheKey {
  return { imageHash, modelHash: run.modelHash, settings: { scales: run.scales, flip: run.flip } };
}

/** A run's map settings from the project (its model's hash and its settings), or undefined for no such run. */
export function runMapSettings(db: ProjectDb, runId: number): RunMapSettings | undefined {
  const run = runRepository(db).get(runId);
  const modelHash = run && modelRepository(db).hashOf(run.modelId);
  return run && modelHash !== undefined ? { modelHash, scales: run.scales, flip: run.flip } : undefined;
}

type Entry = MapFiles;

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
  private readonly q: StatementCache;
  private readonly dir: string;
  private readonly limitBytes: number;
  /** The table's total bytes as last summed plus what this object recorded since (see evict). */
  private estimate: { bytes: number; records: number } | null = null;

  constructor(db: ProjectDb, dir: string, limitBytes = 2 * 2 ** 30) {
    this.db = db;
    this.q = statements(db);
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
    writeTransaction(this.db, 'the map cache entry', () => this.record(entry));
    await this.evict();
  }

  /** Writes an entry's map files (each atomically); nothing is recorded yet, so readers do not see it. */
  async write(k: MapCacheKey, passes: DecodePass[], now = Date.now()): Promise<WrittenEntry> {
    const key = MapCache.keyOf(k);
    const { files, bytes } = await writeMapFiles(this.dir, key, passes);
    return { key, k, entry: files, bytes, now };
  }

  /** An entry whose files someone else wrote into this cache's folder under `MapCache.keyOf(k)` (writeMapFiles). */
  written(k: MapCacheKey, files: { files: MapFiles; bytes: number }, now = Date.now()): WrittenEntry {
    return { key: MapCache.keyOf(k), k, entry: files.files, bytes: files.bytes, now };
  }

  /** The folder its files are in. */
  get folder(): string {
    return this.dir;
  }

  /** Records a written entry: one statement, for the caller's (IMMEDIATE) transaction. */
  record(w: WrittenEntry): void {
    this.q
      .get(
        'INSERT OR REPLACE INTO map_cache (key, image_hash, model_hash, settings, file, bytes, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(w.key, w.k.imageHash, w.k.modelHash, JSON.stringify(w.k.settings), JSON.stringify(w.entry), w.bytes, w.now);
    if (this.estimate !== null)
      this.estimate = { bytes: this.estimate.bytes + w.bytes, records: this.estimate.records + 1 };
  }

  /** Removes temporary files that writes killed half-way left in the cache folder. */
  removeStaleTempFiles(): Promise<string[]> {
    return removeStaleTempFiles(this.dir);
  }

  async get(k: MapCacheKey, now = Date.now()): Promise<DecodePass[] | null> {
    const key = MapCache.keyOf(k);
    const file = this.fileOf(key);
    if (file === undefined) return null;
    let passes: DecodePass[];
    try {
      const entry = JSON.parse(file) as Entry;
      const load = async (f: string) => {
        const b = await readFile(path.join(this.dir, f));
        return parseNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      };
      passes = [];
      for (const p of entry.passes)
        passes.push({
          multiplier: p.multiplier,
          maps: await load(p.maps),
          flippedMaps: p.flipped ? await load(p.flipped) : null,
        });
    } catch {
      await this.drop(key, file); // only an entry whose files are gone or damaged
      return null;
    }
    try {
      this.q.get('UPDATE map_cache SET last_used = ? WHERE key = ?').run(now, key);
    } catch (e) {
      if (!isBusyError(e)) throw e; // the LRU time is advisory: a locked database never costs the maps
    }
    return passes;
  }

  /**
   * The first pass's multiplier when the entry is cached and its map file is there, without reading the maps
   * (their shape follows from the image size and the multiplier: passGeometry).
   */
  async firstPassMultiplier(k: MapCacheKey): Promise<number | null> {
    const file = this.fileOf(MapCache.keyOf(k));
    if (file === undefined) return null;
    try {
      const first = (JSON.parse(file) as Entry).passes[0];
      await access(path.join(this.dir, first.maps));
      return first.multiplier;
    } catch {
      return null;
    }
  }

  totalBytes(): number {
    return this.q.pluck('SELECT COALESCE(SUM(bytes), 0) FROM map_cache').get() as number;
  }

  /**
   * Drops least recently used entries until the cache is within its size limit. The size is summed over the table
   * once and then kept up by `record` (re-read every ESTIMATE_RECORDS records and before anything is dropped), so a
   * detection run calling this after each image does not scan the whole table each time.
   */
  async evict(): Promise<void> {
    if (this.estimate === null || this.estimate.records >= ESTIMATE_RECORDS)
      this.estimate = { bytes: this.totalBytes(), records: 0 };
    if (this.estimate.bytes <= this.limitBytes) return;
    let total = this.totalBytes();
    this.estimate = null;
    if (total <= this.limitBytes) return;
    const rows = this.q.get('SELECT key, file, bytes FROM map_cache ORDER BY last_used ASC').all() as {
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

  private fileOf(key: string): string | undefined {
    return this.q.pluck('SELECT file FROM map_cache WHERE key = ?').get(key) as string | undefined;
  }

  private async drop(key: string, file: string): Promise<void> {
    writeTransaction(this.db, 'dropping a map cache entry', () =>
      this.q.get('DELETE FROM map_cache WHERE key = ?').run(key),
    );
    try {
      const entry = JSON.parse(file) as Entry;
      for (const p of entry.passes)
        for (const f of [p.maps, p.flipped]) if (f) await rm(path.join(this.dir, f), { force: true });
    } catch {
      /* the row was unreadable: nothing else to remove */
    }
  }
}

/** Records after which evict sums the table again (other writers' entries are seen then). */
const ESTIMATE_RECORDS = 100;

/** The `map_cache` statements of a connection: every MapCache over it shares them. */
const statements = perConnection((db) => new StatementCache(db));
