import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSynthDataset } from './writeSynthDataset.ts';
import { validateCocoGt } from '../../core/coco/validateCoco.ts';

describe('writeSynthDataset', () => {
  it('writes JPEGs and a valid COCO file; the same seed gives identical files', async () => {
    const run = async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sp-synth-'));
      await writeSynthDataset({
        outDir: dir,
        count: 4,
        seed: 7,
        width: 128,
        height: 96,
        minPersons: 1,
        maxPersons: 3,
        templateFiles: [],
      });
      return dir;
    };
    const a = await run(),
      b = await run();
    const coco = JSON.parse(readFileSync(path.join(a, 'annotations.json'), 'utf8'));
    expect(validateCocoGt(coco).filter((v) => v.severity === 'error')).toEqual([]);
    expect(coco.images).toHaveLength(4);
    expect(readdirSync(path.join(a, 'images'))).toEqual(['000001.jpg', '000002.jpg', '000003.jpg', '000004.jpg']);
    expect(readFileSync(path.join(a, 'annotations.json'))).toEqual(readFileSync(path.join(b, 'annotations.json')));
    expect(readFileSync(path.join(a, 'images', '000003.jpg'))).toEqual(
      readFileSync(path.join(b, 'images', '000003.jpg')),
    );
  });
});
