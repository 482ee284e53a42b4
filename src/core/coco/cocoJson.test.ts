import { describe, expect, it } from 'vitest';
import { serializeCoco, serializeCocoChunks } from './cocoJson.ts';
import type { CocoDataset } from './cocoTypes.ts';

describe('serializeCocoChunks', () => {
  it('gives serializeCoco’s text exactly, in pieces (GT with extra and undefined members, results, empty)', () => {
    const gt = {
      info: { description: 'x', nested: { a: [1, 2.5, null] } },
      skipped: undefined,
      images: [{ id: 1, file_name: 'a "quoted" é.jpg', width: 3, height: 4 }],
      annotations: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, image_id: 1, keypoints: [0.1 * i, 1e-7, 2] })),
      categories: [{ id: 1, name: 'person' }],
    } as unknown as CocoDataset;
    const results = [{ image_id: 1, category_id: 1, score: 0.5, keypoints: [1, 2, 1] }];
    for (const size of [1, 7, 1 << 20]) {
      const pieces = [...serializeCocoChunks(gt, size)];
      expect(pieces.join('')).toBe(serializeCoco(gt));
      if (size === 7) expect(pieces.length).toBeGreaterThan(10);
      expect([...serializeCocoChunks(results, size)].join('')).toBe(serializeCoco(results));
      expect([...serializeCocoChunks([], size)].join('')).toBe(serializeCoco([]));
      expect([...serializeCocoChunks({} as CocoDataset, size)].join('')).toBe(serializeCoco({} as CocoDataset));
    }
  });
});
