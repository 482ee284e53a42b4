import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDecodeCase } from './readDecodeCase.ts';
import { decodeReference } from '../../core/codec/decodeReference.ts';
import { decodeFast } from '../../core/codec/decodeFast.ts';
import { writeNpy } from '../../core/tensor/parseNpy.ts';
import { DECODE_FIXTURES } from '../../../test/support/fixturePaths.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sp-case-'));
const write = (name: string, json: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof json === 'string' ? json : JSON.stringify(json));
  return f;
};
const caseJson = (over: object = {}) => ({
  format: 'simplepose-decode-case/1',
  image: { id: 1, width: 64, height: 48 },
  passes: [{ multiplier: 1, maps: 'm.npy', flipped_maps: null }],
  ...over,
});

describe('readDecodeCase: clear errors for bad input', () => {
  it('missing case file, invalid JSON, wrong format, bad fields', async () => {
    await expect(readDecodeCase(path.join(dir, 'nope.json'))).rejects.toThrow(
      /cannot read decode case .*nope\.json: no such file$/,
    );
    await expect(readDecodeCase(write('bad.json', '{"format":'))).rejects.toThrow(/not valid JSON/);
    await expect(readDecodeCase(write('fmt.json', caseJson({ format: 'x' })))).rejects.toThrow(/format is "x"/);
    await expect(
      readDecodeCase(write('img.json', caseJson({ image: { id: 1, width: 0, height: 5 } }))),
    ).rejects.toThrow(/positive integers/);
    await expect(readDecodeCase(write('pass.json', caseJson({ passes: [] })))).rejects.toThrow(/non-empty array/);
  });
  it('a file that is not JSON is refused with the place, never with its content', async () => {
    const f = write('passwd.json', 'root:x:0:0:root:/root:/bin/bash\n');
    await expect(readDecodeCase(f)).rejects.toThrow(
      new RegExp(`^${f.replace(/[.]/g, '\\.')} is not valid JSON \\(unexpected character at line 1 column 1\\)$`),
    );
    const cut = await readDecodeCase(write('cut.json', '{"format": "secret-value"')).catch((e: Error) => e);
    expect((cut as Error).message).toMatch(/is not valid JSON \(/);
    expect((cut as Error).message).not.toMatch(/secret/);
  });
  it('missing or corrupt map files', async () => {
    await expect(readDecodeCase(write('nomap.json', caseJson()))).rejects.toThrow(/cannot read map file .*m\.npy/);
    writeFileSync(path.join(dir, 'm.npy'), 'not numpy');
    await expect(readDecodeCase(write('corrupt.json', caseJson()))).rejects.toThrow(/bad magic/);
  });
  it('maps of the wrong shape are refused by the decoder with the expected shape', async () => {
    writeFileSync(path.join(dir, 'm.npy'), writeNpy({ data: new Float32Array(50 * 10 * 10), shape: [50, 10, 10] }));
    const input = await readDecodeCase(write('shape.json', caseJson()));
    expect(() => decodeReference(input)).toThrow(/expected \[50, 16, 16\]/);
  });
  it('reads a fixture case copied elsewhere (relative map paths)', async () => {
    const src = path.join(DECODE_FIXTURES, '214704');
    for (const f of ['case.json', 'scale0.npy']) copyFileSync(path.join(src, f), path.join(dir, f));
    const input = await readDecodeCase(path.join(dir, 'case.json'));
    expect(input.passes[0].maps.shape[0]).toBe(50);
  });
});

describe('huge images', () => {
  it('fast mode decodes a 20000×20000 image (maps at multiplier 512/20000) quickly; reference refuses with a clear message', () => {
    const width = 20000,
      height = 20000,
      multiplier = 512 / 20000;
    const maps = { data: new Float32Array(50 * 128 * 128), shape: [50, 128, 128] };
    // One strong nose and neck blob so that something is decoded.
    for (const [c, cx, cy] of [
      [30, 60, 40],
      [31, 60, 50],
      [0, 60, 45],
    ] as const) {
      for (let y = 0; y < 128; y++)
        for (let x = 0; x < 128; x++)
          maps.data[c * 16384 + y * 128 + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
    }
    const input = { image: { id: 1, width, height }, passes: [{ multiplier, maps, flippedMaps: null }] };
    const t = performance.now();
    const out = decodeFast(input);
    expect(performance.now() - t).toBeLessThan(20_000);
    expect(out.persons.length).toBe(1);
    expect(() => decodeReference(input)).toThrow(/over its 64 MP limit: use fast mode/);
  });
});
