import { access, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { perConnection, StatementCache } from '../db/statementCache.ts';
import { isBusyError, writeTransaction } from '../db/writeTransaction.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy, type Tensor } from '../../core/tensor/parseNpy.ts';
import { removeStaleTempFiles } from '../fs/writeFileAtomic.ts';
import { cachedCombination, type MapFiles, type MapsInput, writeMapFiles } from './mapFiles.ts';
import type { CombinedPass } from '../../core/codec/combinedPass.ts';
import { flipAverage } from '../../core/codec/flipAverage.ts';
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
 * The raw stride-4 maps of every pass (and, for several passes, their combination: mapFiles.ts), cached on disk as
 * FP16 .npy (half the size; 1e-3 relative precision is plenty for display and hardness) in `dir`, indexed in the project's `map_cache` table, least recently used
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
  async put(k: MapCacheKey, input: MapsInput, now = Date.now()): Promise<void> {
    const entry = await this.write(k, input, now);
    writeTransaction(this.db, 'the map cache entry', () => this.record(entry));
    await this.evict();
  }

  /** Writes an entry's map files (each atomically); nothing is recorded yet, so readers do not see it. */
  async write(k: MapCacheKey, input: MapsInput, now = Date.now()): Promise<WrittenEntry> {
    const key = MapCache.keyOf(k);
    const { files, bytes } = await writeMapFiles(this.dir, key, input);
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

  /** The raw passes of an entry (float16-rounded as stored), or null when it is not cached. */
  async get(k: MapCacheKey, now = Date.now()): Promise<DecodePass[] | null> {
    return this.read(k, now, (entry, load) => loadPasses(entry, load));
  }

  /**
   * The maps the decoder read, as one flip-free pass (core/codec/combinedPass.ts: [50, h, w] float32 of float16
   * values, stride-4 map space of its multiplier, padding included): what the overlay paints and the corrections
   * decode. One pass: its flip average. Several: the entry's combined file, or — an entry written before there was
   * one — the combination of its passes, computed here (the same function on the same values: the same maps).
   * `image` is the image's size (the passes' geometry). Null when not cached.
   */
  async overlay(k: MapCacheKey, image: MapsInput['image'], now = Date.now()): Promise<CombinedPass | null> {
    return this.read(k, now, async (entry, load) => {
      if (entry.combined) return { multiplier: entry.combined.multiplier, maps: await load(entry.combined.maps) };
      const passes = await loadPasses(entry, load);
      if (passes.length > 1) return cachedCombination(image, passes);
      const p = passes[0];
      return { multiplier: p.multiplier, maps: { shape: p.maps.shape, data: flipAverage(p.maps, p.flippedMaps) } };
    });
  }

  /**
   * The decoder's own passes of a several-pass entry, each flip-averaged ([50, h, w] float32 of float16 values, the
   * stride-4 map space of its multiplier), in the run's scale order: what the corrections decode, as the decoder
   * combined them (upsampled to the image, averaged), so that snap and candidates land on the decoder's peaks. Null
   * for a one-pass entry (its overlay pass is them) or one not cached.
   */
  async decoderPasses(k: MapCacheKey, now = Date.now()): Promise<CombinedPass[] | null> {
    const r = await this.read(k, now, async (entry, load) => {
      if (entry.passes.length < 2) return [];
      const passes = await loadPasses(entry, load);
      return passes.map((p) => ({
        multiplier: p.multiplier,
        maps: { shape: p.maps.shape, data: flipAverage(p.maps, p.flippedMaps) },
      }));
    });
    return r && r.length > 0 ? r : null;
  }

  /**
   * The multipliers of the entry's overlay pass (MapCache.overlay) and, for several passes, of each pass, when it is
   * cached and its files are there, without reading the maps (their shapes follow from the image size and the
   * multiplier: passGeometry).
   */
  async overlayInfo(k: MapCacheKey): Promise<{ multiplier: number; passes: number[] | null } | null> {
    const file = this.fileOf(MapCache.keyOf(k));
    if (file === undefined) return null;
    try {
      const entry = JSON.parse(file) as Entry;
      for (const p of entry.passes) await access(path.join(this.dir, p.maps));
      if (entry.combined) await access(path.join(this.dir, entry.combined.maps));
      if (entry.passes.length === 1) return { multiplier: entry.passes[0].multiplier, passes: null };
      // an older several-pass entry is combined on read, on the grid of its finest pass (combinedPass)
      const multiplier = entry.combined?.multiplier ?? Math.max(...entry.passes.map((p) => p.multiplier));
      return { multiplier, passes: entry.passes.map((p) => p.multiplier) };
    } catch {
      return null;
    }
  }

  /** Reads an entry with `use` (its files through `load`); a missing or damaged entry is dropped and null. */
  private async read<T>(
    k: MapCacheKey,
    now: number,
    use: (entry: Entry, load: (f: string) => Promise<Tensor>) => Promise<T>,
  ): Promise<T | null> {
    const key = MapCache.keyOf(k);
    const file = this.fileOf(key);
    if (file === undefined) return null;
    let out: T;
    try {
      const load = async (f: string) => {
        const b = await readFile(path.join(this.dir, f));
        return parseNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      };
      out = await use(JSON.parse(file) as Entry, load);
    } catch {
      await this.drop(key, file); // only an entry whose files are gone or damaged
      return null;
    }
    try {
      this.q.get('UPDATE map_cache SET last_used = ? WHERE key = ?').run(now, key);
    } catch (e) {
      if (!isBusyError(e)) throw e; // the LRU time is advisory: a locked database never costs the maps
    }
    return out;
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
      const names = [...entry.passes.flatMap((p) => [p.maps, p.flipped]), entry.combined?.maps];
      for (const f of names) if (f) await rm(path.join(this.dir, f), { force: true });
    } catch {
      /* the row was unreadable: nothing else to remove */
    }
  }
}

async function loadPasses(entry: Entry, load: (f: string) => Promise<Tensor>): Promise<DecodePass[]> {
  const passes: DecodePass[] = [];
  for (const p of entry.passes)
    passes.push({
      multiplier: p.multiplier,
      maps: await load(p.maps),
      flippedMaps: p.flipped ? await load(p.flipped) : null,
    });
  return passes;
}

/** Records after which evict sums the table again (other writers' entries are seen then). */
const ESTIMATE_RECORDS = 100;

/** The `map_cache` statements of a connection: every MapCache over it shares them. */
const statements = perConnection((db) => new StatementCache(db));
