import { describe, expect, it } from 'vitest';
import { mapsFit } from './teamMapRepository.ts';

describe('mapsFit', () => {
  const m = { runId: 3, contentHash: 'h' };
  it("maps of the prediction's run and of the image's present content", () => {
    expect(mapsFit(m, 3, 'h', [1])).toBe(true);
    expect(mapsFit(m, 4, 'h', [1])).toBe(false);
    expect(mapsFit(m, 3, 'other', [1])).toBe(false);
  });
  it('a several-pass run: only a row with its passes (one stored before held the first pass alone)', () => {
    expect(mapsFit(m, 3, 'h', [0.5, 1, 1.5])).toBe(false);
    expect(mapsFit({ ...m, passes: [{ multiplier: 0.5, shape: [50, 16, 16] }] }, 3, 'h', [0.5, 1])).toBe(true);
  });
});
