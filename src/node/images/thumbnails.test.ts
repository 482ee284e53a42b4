import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { thumbnail } from './thumbnails.ts';

describe('thumbnail', () => {
  it('is EXIF-upright, at most the size, cached by content hash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-thumb-'));
    const img = path.join(dir, 'rot.jpg');
    writeFileSync(
      img,
      await sharp({ create: { width: 800, height: 400, channels: 3, background: '#369' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const cache = path.join(dir, 'cache');
    const t = await thumbnail(img, 'ab'.repeat(32), cache, 128);
    const meta = await sharp(t).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([64, 128, 'jpeg']);
    expect(readdirSync(cache)).toEqual([`${'ab'.repeat(32)}-128.jpg`]);
    writeFileSync(img, 'changed but same hash given → served from the cache');
    expect((await thumbnail(img, 'ab'.repeat(32), cache, 128)).equals(t)).toBe(true);
    await expect(thumbnail(img, 'cd'.repeat(32), cache, 128)).rejects.toThrow(/cannot make a thumbnail/);
    await expect(thumbnail(img, '../../x', cache)).rejects.toThrow(/no content hash/);
  });
});
