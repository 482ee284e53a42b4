import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readJson, MODEL_FIXTURES, PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';
import { modelFacts } from './modelFacts.ts';

describe('modelFacts', () => {
  it('the bundled model: synthetic people only, its measured APs from the card (0.133 held-out, 0.000 on photos)', () => {
    const f = modelFacts(readJson(path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.card.json')));
    expect(f.syntheticOnly).toBe(true);
    expect(f.trainedOn).toBe('synthetic people only (simplepose synth, 6,000 images)');
    expect(f.accuracy[0]).toEqual({
      on: 'heldout synthetic 300 images scale1 flip',
      AP: expect.closeTo(0.1325, 4),
      AP50: expect.closeTo(0.383, 3),
    });
    expect(f.accuracy.find((a) => a.on.startsWith('coco mini val2017'))?.AP).toBe(0);
    expect(f.parameters).toBe(4107436);
    expect(f.note).toMatch(/not trained for photos/);
  });

  it('an export of a checkpoint whose card says nothing about training says so, and is not called synthetic', () => {
    const f = modelFacts(readJson(path.join(MODEL_FIXTURES, 'tiny.card.json')));
    expect(f.syntheticOnly).toBe(false);
    expect(f.trainedOn).toMatch(/^not stated in its card \(exported from .+\.pth\)$/);
    expect(f.accuracy).toEqual([]);
  });

  it('a fine-tuned model names its data; no card at all, or junk, is "not stated"', () => {
    const f = modelFacts({
      training: { dataset: { source: 'project.json', train: { images: 40, persons: 95 } } },
      training_data: { generator: 'simplepose synth' },
      accuracy: { held_out: { AP: 0.41 }, broken: 'x' },
    });
    expect(f).toMatchObject({ trainedOn: 'project.json: 40 images, 95 persons (fine-tuned)', syntheticOnly: false });
    expect(f.accuracy).toEqual([{ on: 'held out', AP: 0.41, AP50: null }]);
    for (const junk of [null, 7, 'card', [1]])
      expect(modelFacts(junk)).toEqual({
        trainedOn: 'not stated (the model has no card saying so)',
        syntheticOnly: false,
        accuracy: [],
        parameters: null,
        note: null,
      });
  });
});
