import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadPoseModel } from './poseModel.ts';
import { providerOrder, providerUnavailableReason } from './executionProviders.ts';
import { MODEL_FIXTURES, readNpy } from '../../../test/support/fixturePaths.ts';

const TINY = path.join(MODEL_FIXTURES, 'tiny.onnx');
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-model-'));

describe('loadPoseModel', () => {
  it('runs the exported ONNX with the same output as PyTorch (max |diff| ≤ 1e-4, non-trivial weights)', async () => {
    const model = await loadPoseModel(TINY, { provider: 'cpu' });
    const x = readNpy(path.join(MODEL_FIXTURES, 'tiny.input.npy'));
    const want = readNpy(path.join(MODEL_FIXTURES, 'tiny.torch-output.npy'));
    const [n, h, w] = x.shape;
    const out = await model.run({ data: x.data, batch: n, paddedH: h, paddedW: w, multiplier: 1 });
    expect(out.dims).toEqual(want.shape);
    let max = 0,
      sq = 0;
    for (let i = 0; i < want.data.length; i++) {
      max = Math.max(max, Math.abs(out.data[i] - want.data[i]));
      sq += want.data[i] ** 2;
    }
    expect(Math.sqrt(sq / want.data.length)).toBeGreaterThan(0.05); // the check is not vacuous
    expect(max).toBeLessThanOrEqual(1e-4);
    expect(model.provider).toBe('cpu');
    expect(model.card.weights).toBe('fp32');
    await model.release();
  });
  it('an FP16-weight export (float16 initialisers behind Casts) gives the same maps within 2e-3', async () => {
    const model = await loadPoseModel(path.join(MODEL_FIXTURES, 'tiny-fp16.onnx'), { provider: 'cpu' });
    expect(model.card.weights).toBe('fp16');
    const x = readNpy(path.join(MODEL_FIXTURES, 'tiny.input.npy'));
    const want = readNpy(path.join(MODEL_FIXTURES, 'tiny.torch-output.npy'));
    const out = await model.run({
      data: x.data,
      batch: x.shape[0],
      paddedH: x.shape[1],
      paddedW: x.shape[2],
      multiplier: 1,
    });
    let max = 0;
    for (let i = 0; i < want.data.length; i++) max = Math.max(max, Math.abs(out.data[i] - want.data[i]));
    expect(max).toBeLessThan(2e-3); // tolerance: float16 rounding of the weights (≈1e-3 relative)
    await model.release();
  });
  it('auto picks the platform order and logs why a provider was skipped', async () => {
    expect(providerOrder('auto', 'linux')).toEqual(['cuda', 'cpu']);
    expect(providerOrder('auto', 'win32')).toEqual(['cuda', 'dml', 'cpu']);
    expect(providerOrder('auto', 'darwin')).toEqual(['coreml', 'cpu']);
    const log: string[] = [];
    const model = await loadPoseModel(TINY, { log: (l) => log.push(l) });
    if (providerUnavailableReason('cuda') !== null) {
      expect(model.provider).toBe('cpu');
      expect(log.join('\n')).toMatch(/provider cuda skipped: .*npm run install:cuda/);
    }
    await model.release();
  });
  it('a provider that cannot initialise, when named, is an error that says why', async () => {
    await expect(loadPoseModel(TINY, { provider: 'dml' })).rejects.toThrow(
      /provider dml failed to initialise: DirectML exists only on Windows/,
    );
    if (providerUnavailableReason('cuda') !== null)
      await expect(loadPoseModel(TINY, { provider: 'cuda' })).rejects.toThrow(/provider cuda failed to initialise/);
  });
  it('refuses files that are not IMHN models, saying what is wrong', async () => {
    const text = path.join(tmp, 'notes.onnx');
    writeFileSync(text, 'this is not a model');
    await expect(loadPoseModel(text, { provider: 'cpu' })).rejects.toThrow(/not a valid ONNX model/);
    writeFileSync(path.join(tmp, 'empty.onnx'), '');
    await expect(loadPoseModel(path.join(tmp, 'empty.onnx'))).rejects.toThrow(/empty/);
    await expect(loadPoseModel(path.join(tmp, 'missing.onnx'))).rejects.toThrow(/missing\.onnx: no such file$/);
    await expect(loadPoseModel(path.join(MODEL_FIXTURES, 'wrong-channels.onnx'), { provider: 'cpu' })).rejects.toThrow(
      /output is \[1, 17, 16, 48\], expected \[1, 50, 16, 48\]/,
    );
    await expect(loadPoseModel(path.join(MODEL_FIXTURES, 'wrong-stride.onnx'), { provider: 'cpu' })).rejects.toThrow(
      /expected \[1, 50, 16, 48\] \(50 channels at stride 4\)/,
    );
  });
  it('without a card it assumes the official conventions and warns; a card naming other tensors is refused', async () => {
    const bare = path.join(tmp, 'bare.onnx');
    copyFileSync(TINY, bare);
    const log: string[] = [];
    const model = await loadPoseModel(bare, { provider: 'cpu', log: (l) => log.push(l) });
    expect(model.card.assumed.length).toBeGreaterThan(0);
    expect(log.join('\n')).toMatch(/warning: no model card/);
    await model.release();
    writeFileSync(
      path.join(tmp, 'bare.card.json'),
      JSON.stringify({
        format: 'simplepose-model-card/1',
        input: { name: 'x', layout: 'NHWC', channel_order: 'BGR', box_size: 512, pad_multiple: 64 },
        output: { name: 'maps', channels: 50, stride: 4 },
      }),
    );
    await expect(loadPoseModel(bare, { provider: 'cpu' })).rejects.toThrow(/card names input "x"/);
    writeFileSync(
      path.join(tmp, 'bare.card.json'),
      '{"format": "simplepose-model-card/1", "input": {"layout": "NCHW"}, "output": {}}',
    );
    await expect(loadPoseModel(bare, { provider: 'cpu' })).rejects.toThrow(/input.layout "NCHW" is not supported/);
  });
  it('a card that is not JSON is refused with the place, never with its content', async () => {
    const bare = path.join(tmp, 'bare.onnx');
    writeFileSync(path.join(tmp, 'bare.card.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    const e = await loadPoseModel(bare, { provider: 'cpu' }).catch((x: Error) => x);
    expect((e as Error).message).toBe(
      `${path.join(tmp, 'bare.card.json')}: not valid JSON (unexpected character at line 1 column 1)`,
    );
    writeFileSync(path.join(tmp, 'bare.card.json'), '{"format": "simplepose-model-card/1", "secret-value"');
    const cut = await loadPoseModel(bare, { provider: 'cpu' }).catch((x: Error) => x);
    expect((cut as Error).message).toMatch(/bare\.card\.json: not valid JSON \(/);
    expect((cut as Error).message).not.toMatch(/secret|simplepose-model-card/);
  });
});
