import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { inferImage } from './inferImage.ts';
import { loadPoseModel, type PoseModel } from './poseModel.ts';
import { PoseEngine } from './poseEngine.ts';
import { decodeImageBgr } from '../images/decodeImage.ts';
import { writeDecodeCase } from '../cases/writeDecodeCase.ts';
import { readDecodeCase } from '../cases/readDecodeCase.ts';
import { decodeFast } from '../../core/codec/decodeFast.ts';
import { COCO_TRAIN_IMAGES, MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-infer-'));
const PHOTO = path.join(COCO_TRAIN_IMAGES, '000000000790.jpg');
let model: PoseModel;
beforeAll(async () => {
  model = await loadPoseModel(path.join(MODEL_FIXTURES, 'tiny.onnx'), { provider: 'cpu' });
});
afterAll(async () => {
  await model.release();
});

/** A PNG that claims width×height but holds almost no data (header-level checks must refuse it before decoding). */
function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(10))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('inferImage', () => {
  it('returns persons, raw maps of every pass and timings; the dumped maps replay to the same decode', async () => {
    const r = await inferImage(model, PHOTO, 7, { scales: [1, 0.5], flip: true, mode: 'fast' });
    expect([r.width, r.height]).toEqual([640, 422]);
    expect(r.passes).toHaveLength(2);
    expect(r.passes[0].maps.shape).toEqual([50, 128, 208]);
    expect(r.passes[0].flippedMaps).not.toBeNull();
    const dir = path.join(tmp, 'dump');
    const caseFile = await writeDecodeCase(dir, {
      image: { id: 7, width: r.width, height: r.height },
      passes: r.passes,
    });
    const replay = decodeFast(await readDecodeCase(caseFile));
    expect(replay.peaks).toEqual(r.decoded.peaks);
    expect(replay.results).toEqual(r.decoded.results);
  });
  it('PoseEngine keeps the event loop free: work runs in a worker, requests queue in order', async () => {
    const engine = await PoseEngine.start(path.join(MODEL_FIXTURES, 'tiny.onnx'), { provider: 'cpu' });
    expect(engine.provider).toBe('cpu');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t = performance.now();
    const results = await Promise.all(
      [1, 2, 3].map((id) => engine.infer(PHOTO, id, { scales: [1], flip: true, mode: 'reference' })),
    );
    const ms = performance.now() - t;
    clearInterval(timer);
    expect(results.map((r) => r.imageId)).toEqual([1, 2, 3]);
    expect(results[0].passes[0].maps.data).toBeInstanceOf(Float32Array);
    expect(ticks).toBeGreaterThan(ms / 5 / 4); // the 5 ms timer kept firing during inference
    await expect(engine.infer(path.join(tmp, 'missing.jpg'), 4)).rejects.toThrow(/no such file/);
    await engine.close();
    await expect(engine.infer(PHOTO, 5)).rejects.toThrow(/closed/);
  });
  it('PoseEngine.start rejects an unusable model with the loader message', async () => {
    await expect(
      PoseEngine.start(path.join(MODEL_FIXTURES, 'wrong-channels.onnx'), { provider: 'cpu' }),
    ).rejects.toThrow(/not an IMHN pose model/);
  });
});

describe('image input: clear messages for every kind of bad or unusual file', () => {
  it('missing, empty, not an image, truncated JPEG', async () => {
    await expect(decodeImageBgr(path.join(tmp, 'nope.jpg'))).rejects.toThrow(/nope\.jpg: no such file/);
    writeFileSync(path.join(tmp, 'empty.jpg'), '');
    await expect(decodeImageBgr(path.join(tmp, 'empty.jpg'))).rejects.toThrow(/the file is empty/);
    writeFileSync(path.join(tmp, 'text.jpg'), 'hello');
    await expect(decodeImageBgr(path.join(tmp, 'text.jpg'))).rejects.toThrow(/not a readable image/);
    const jpeg = readFileSync(PHOTO);
    writeFileSync(path.join(tmp, 'cut.jpg'), jpeg.subarray(0, jpeg.length / 3));
    await expect(decodeImageBgr(path.join(tmp, 'cut.jpg'))).rejects.toThrow(
      /cannot decode the image .*truncated or corrupt/,
    );
    await expect(decodeImageBgr(tmp)).rejects.toThrow(/is a folder/);
  });
  it('grayscale, CMYK, 16-bit and alpha PNG/JPEG decode to 3-channel BGR', async () => {
    const base = sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 100, b: 50 } } });
    const files: Record<string, Buffer> = {
      gray: await base.clone().greyscale().png().toBuffer(),
      cmyk: await base.clone().toColourspace('cmyk').jpeg().toBuffer(),
      rgb16: await base.clone().toColourspace('rgb16').png().toBuffer(),
      alpha: await base.clone().ensureAlpha(0.5).png().toBuffer(),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const f = path.join(tmp, `${name}.img`);
      writeFileSync(f, bytes);
      const img = await decodeImageBgr(f);
      expect([img.width, img.height, img.channels], name).toEqual([8, 6, 3]);
    }
    const rgb = await decodeImageBgr(path.join(tmp, 'rgb16.img'));
    expect([rgb.data[0], rgb.data[1], rgb.data[2]]).toEqual([50, 100, 200]); // BGR order
  });
  it('EXIF-rotated photos are turned upright, as cv2.imread does', async () => {
    const f = path.join(tmp, 'rot.jpg');
    writeFileSync(
      f,
      await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const img = await decodeImageBgr(f);
    expect([img.width, img.height]).toEqual([20, 40]);
  });
  it('a 1×1 image runs through the whole pipeline; a 20000×20000 image is refused before decoding', async () => {
    const one = path.join(tmp, 'one.png');
    writeFileSync(
      one,
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    const r = await inferImage(model, one, 1, { scales: [1], flip: true, mode: 'reference' });
    expect([r.width, r.height]).toEqual([1, 1]);
    const huge = path.join(tmp, 'huge.png');
    writeFileSync(huge, hugePngHeader(20000, 20000));
    await expect(decodeImageBgr(huge)).rejects.toThrow(/20000×20000 is too large \(400 MP; the limit is 120 MP\)/);
  });
});
