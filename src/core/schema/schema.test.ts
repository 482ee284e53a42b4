import { describe, expect, it } from 'vitest';
import { s, validate } from './schema.ts';

describe('schema language', () => {
  it('fixedArray: exactly n items, every item still checked and located', () => {
    const three = s.fixedArray(s.number(), 3);
    expect(validate(three, [1, 2, 3])).toEqual([]);
    expect(validate(three, [1, 2])).toEqual([{ path: '$', message: 'exactly 3 items, got 2' }]);
    expect(validate(three, [1, 2, 3, 4]).map((i) => i.message)).toEqual(['exactly 3 items, got 4']);
    expect(validate(three, [1, 'x']).map((i) => i.path)).toEqual(['$', '$[1]']);
    expect(validate(s.array(s.number(), 2), [1, 2, 3])[0].message).toBe('at most 2 items, got 3');
  });
  it('numbers are finite and within their bounds; integers are safe', () => {
    const px = s.number({ min: -10, max: 10 });
    expect(validate(px, 10)).toEqual([]);
    for (const bad of [10.5, -11, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, '3'])
      expect(validate(px, bad), String(bad)).toHaveLength(1);
    expect(validate(px, 1e308)[0].message).toMatch(/finite number in -10\.\.10/);
    expect(validate(s.integer(1), 2 ** 53 - 1)).toEqual([]);
    expect(validate(s.integer(1), 2 ** 53)[0].message).toMatch(/below 2\^53/);
    expect(validate(s.integer(1), 1.2345678901234568e29)).toHaveLength(1);
  });
  it('strings may bound their length', () => {
    expect(validate(s.string({ min: 1, max: 3 }), 'abc')).toEqual([]);
    expect(validate(s.string({ min: 1, max: 3 }), '')).toHaveLength(1);
    expect(validate(s.string({ max: 3 }), 'abcd')[0].message).toMatch(/≤ 3 characters long/);
  });
});
