import { describe, expect, it } from 'vitest';
import { resizeScale, scaledAnnotationDiff } from './scaleAnnotation.ts';
import { applyDiff } from './recordDiff.ts';
import type { AnnotationState, PersonRecord } from './poseRecords.ts';

const joints = (x: number, y: number) =>
  Array.from({ length: 17 }, (_, k) =>
    k === 0 ? { x, y, v: 2 as const, source: 'edited' as const, model: { x: x + 1, y, score: 0.7 } } : null,
  );

describe('resizeScale', () => {
  it('takes resized copies (each side rounded to whole pixels), refuses other aspect ratios', () => {
    expect(resizeScale({ width: 400, height: 300 }, { width: 100, height: 75 })).toEqual({ sx: 0.25, sy: 0.25 });
    expect(resizeScale({ width: 640, height: 427 }, { width: 320, height: 213 })).toEqual({ sx: 0.5, sy: 213 / 427 }); // 213.5 rounded down
    expect(resizeScale({ width: 333, height: 500 }, { width: 1000, height: 1502 })).not.toBeNull();
    expect(resizeScale({ width: 400, height: 300 }, { width: 300, height: 300 })).toBeNull(); // a crop
    expect(resizeScale({ width: 400, height: 300 }, { width: 300, height: 400 })).toBeNull(); // rotated
    expect(resizeScale({ width: 400, height: 300 }, { width: 100, height: 77 })).toBeNull(); // 2 px off
  });
});

describe('scaledAnnotationDiff', () => {
  const person = (id: string, coco?: Record<string, unknown>): PersonRecord => ({
    id,
    joints: joints(200, 100),
    crowd: false,
    ...(coco ? { coco } : {}),
  });
  it('scales joints, the model positions they keep, and an imported box, area and polygon mask', () => {
    const state: AnnotationState = {
      order: ['a', 'b'],
      persons: {
        a: person('a'),
        b: person('b', { id: 5, bbox: [40, 20, 80, 60], area: 4800, segmentation: [[0, 0, 40, 0, 40, 20]] }),
      },
    };
    const after = applyDiff(state, scaledAnnotationDiff(state, { sx: 0.25, sy: 0.5 })!);
    expect(after.persons.a.joints[0]).toEqual({
      x: 50,
      y: 50,
      v: 2,
      source: 'edited',
      model: { x: 50.25, y: 50, score: 0.7 },
    });
    expect(after.persons.b.coco).toEqual({
      id: 5,
      bbox: [10, 10, 20, 30],
      area: 600,
      segmentation: [[0, 0, 10, 0, 10, 10]],
    });
    expect(after.order).toEqual(['a', 'b']);
  });
  it('gives up (null) on a run-length encoded mask', () => {
    const state: AnnotationState = {
      order: ['c'],
      persons: { c: person('c', { id: 6, segmentation: { counts: 'abc', size: [300, 400] } }) },
    };
    expect(scaledAnnotationDiff(state, { sx: 0.5, sy: 0.5 })).toBeNull();
  });
});
