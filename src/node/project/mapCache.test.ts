import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { MapCache, mapCacheKey, type MapCacheKey } from './mapCache.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { flipAverage } from '../../core/codec/flipAverage.ts';
import { parseNpy, writeNpy } from '../../core/tensor/parseNpy.ts';
import { cachedCombination, type MapFiles } from './mapFiles.ts';

const pass = (seed: number, flip: boolean, multiplier = 1.25, h = 8, w = 12): DecodePass => {
  const t = () => ({
    data: Float32Array.from({ length: 50 * h * w }, (_, i) => Math.sin(i * 0.37 + seed)),
    shape: [50, h, w],
  });
  return { multiplier, maps: t(), flippedMaps: flip ? t() : null };
};
/** A 40×24 image: multiplier 1.25 → padded 64×64, map 16×16; multiplier 2 → padded 128×64, map 16×32. */
const IMAGE = { width: 40, height: 24 };
const twoScales = (): DecodePass[] => [pass(1, true, 1.25, 16, 16), pass(2, false, 2, 16, 32)];
const asFloat16 = (data: Float32Array) => parseNpy(writeNpy({ shape: [data.length], data }, 'float16')).data;
const single = (p: DecodePass) => ({ image: IMAGE, passes: [p] });
const key = (image: string): MapCacheKey => ({
  imageHash: image,
  modelHash: 'm1',
  settings: { scales: [1], flip: true },
});

describe('MapCache', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-cache-'));
  let n = 0;
  const freshDb = () => openProjectDb(path.join(root, `p${n++}.sqlite`)); // one project per test: one cache table
  it('round-trips the maps of every pass in FP16 (relative error ≤ 1e-3)', async () => {
    const cache = new MapCache(freshDb(), path.join(root, 'maps'));
    const passes = twoScales();
    await cache.put(key('img-a'), { image: IMAGE, passes });
    const back = (await cache.get(key('img-a')))!;
    expect(back.map((p) => [p.multiplier, p.maps.shape, p.flippedMaps === null])).toEqual([
      [1.25, [50, 16, 16], false],
      [2, [50, 16, 32], true],
    ]);
    for (const [i, v] of back[0].maps.data.entries())
      expect(Math.abs(v - passes[0].maps.data[i])).toBeLessThanOrEqual(1e-3);
    expect(await cache.get({ ...key('img-a'), settings: { scales: [1], flip: false } })).toBeNull(); // other settings, other entry
  });
  it("the overlay pass: one pass's flip average; several passes combined, stored once and read as stored", async () => {
    const db = freshDb();
    const dir = path.join(root, 'overlay');
    const cache = new MapCache(db, dir);
    const one = pass(7, true);
    await cache.put(key('one'), single(one));
    const o1 = (await cache.overlay(key('one'), IMAGE))!;
    const [back] = (await cache.get(key('one')))!;
    expect(o1.multiplier).toBe(1.25);
    expect(o1.maps.data).toEqual(flipAverage(back.maps, back.flippedMaps));
    expect(await cache.overlayInfo(key('one'))).toEqual({ multiplier: 1.25, passes: null });
    expect(await cache.decoderPasses(key('one'))).toBeNull();

    await cache.put(key('two'), { image: IMAGE, passes: twoScales() });
    const stored = (await cache.get(key('two')))!;
    const o2 = (await cache.overlay(key('two'), IMAGE))!;
    expect(o2.multiplier).toBe(2); // the finest pass's grid
    expect(o2.maps.shape).toEqual([50, 16, 32]);
    expect(o2.maps.data).toEqual(asFloat16(cachedCombination(IMAGE, stored).maps.data));
    expect(await cache.overlayInfo(key('two'))).toEqual({ multiplier: 2, passes: [1.25, 2] });
    const decoder = (await cache.decoderPasses(key('two')))!;
    expect(decoder.map((p) => p.multiplier)).toEqual([1.25, 2]);
    expect(decoder[0].maps.data).toEqual(flipAverage(stored[0].maps, stored[0].flippedMaps));

    // an entry written before the combination was stored: combined on read from its passes, never the first alone
    const row = db.prepare('SELECT file FROM map_cache WHERE image_hash = ?').pluck().get('two') as string;
    const { combined, ...older } = JSON.parse(row) as MapFiles;
    db.prepare('UPDATE map_cache SET file = ? WHERE image_hash = ?').run(JSON.stringify(older), 'two');
    rmSync(path.join(dir, combined!.maps));
    expect(await cache.overlayInfo(key('two'))).toEqual({ multiplier: 2, passes: [1.25, 2] });
    const o3 = (await cache.overlay(key('two'), IMAGE))!;
    expect(o3.multiplier).toBe(2);
    expect(o3.maps.data).toEqual(cachedCombination(IMAGE, stored).maps.data);
  });
  it('evicts the least recently used entries above the size limit', async () => {
    const cache = new MapCache(freshDb(), path.join(root, 'lru'), 3 * 9728 + 100); // room for three single-map entries
    for (const [i, img] of ['p', 'q', 'r'].entries()) await cache.put(key(img), single(pass(i, false)), 1000 + i);
    await cache.get(key('p'), 5000); // p is now the most recent
    await cache.put(key('s'), single(pass(9, false)), 6000);
    expect(await cache.get(key('q'))).toBeNull();
    expect(await cache.get(key('p'))).not.toBeNull();
    expect(cache.totalBytes()).toBeLessThanOrEqual(3 * 9728 + 100);
    expect(readdirSync(path.join(root, 'lru')).length).toBe(3);
  });
  it('treats a missing or corrupt file as a miss and forgets the entry', async () => {
    const dir = path.join(root, 'broken');
    const db = freshDb();
    const cache = new MapCache(db, dir);
    await cache.put(key('x'), single(pass(3, false)));
    const [file] = readdirSync(dir);
    writeFileSync(path.join(dir, file), 'garbage');
    expect(await cache.get(key('x'))).toBeNull();
    await cache.put(key('y'), single(pass(4, false)));
    rmSync(path.join(dir, readdirSync(dir)[0]));
    expect(await cache.get(key('y'))).toBeNull();
    expect(db.prepare('SELECT COUNT(*) FROM map_cache WHERE image_hash IN (?, ?)').pluck().get('x', 'y')).toBe(0);
  });
  it('a read while another writer holds the database keeps its maps and their files (the LRU time is advisory)', async () => {
    const dir = path.join(root, 'locked');
    const file = path.join(root, 'locked.sqlite');
    const db = openProjectDb(file);
    const cache = new MapCache(db, dir);
    await cache.put(key('z'), single(pass(5, true)));
    db.pragma('busy_timeout = 50');
    const other = openProjectDb(file);
    other.prepare('BEGIN IMMEDIATE').run(); // another writer (detection, an import) holds the write lock
    try {
      expect((await cache.get(key('z')))?.length).toBe(1);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(readdirSync(dir).length).toBe(2);
    expect(await cache.get(key('z'))).not.toBeNull();
  });
  it('one key for an image in a run: the same whoever builds it, another for other settings or model', () => {
    const run = { modelHash: 'm1', scales: [1], flip: true };
    expect(mapCacheKey('img-a', run)).toEqual(key('img-a'));
    expect(MapCache.keyOf(mapCacheKey('img-a', { flip: true, scales: [1], modelHash: 'm1' }))).toBe(
      MapCache.keyOf(key('img-a')),
    );
    expect(MapCache.keyOf(mapCacheKey('img-a', { ...run, flip: false }))).not.toBe(MapCache.keyOf(key('img-a')));
    expect(MapCache.keyOf(mapCacheKey('img-a', { ...run, modelHash: 'm2' }))).not.toBe(MapCache.keyOf(key('img-a')));
  });
});
