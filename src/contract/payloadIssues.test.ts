import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { payloadIssues } from './payloadIssues.ts';
import { PersonIdSchema } from '../core/edit/poseRecords.ts';

describe('payload issues in words, with their JSON paths', () => {
  it('arrays of an exact length: exactly n items, every item still checked and located', () => {
    const three = z.array(z.number()).length(3);
    expect(payloadIssues(three, [1, 2, 3])).toEqual([]);
    expect(payloadIssues(three, [1, 2])).toEqual([{ path: '$', message: 'exactly 3 items, got 2' }]);
    expect(payloadIssues(three, [1, 2, 3, 4]).map((i) => i.message)).toEqual(['exactly 3 items, got 4']);
    expect(payloadIssues(three, [1, 'x']).map((i) => i.path)).toEqual(['$[1]', '$']);
    expect(payloadIssues(z.array(z.number()).max(2), [1, 2, 3])[0].message).toBe('at most 2 items, got 3');
    expect(payloadIssues(z.tuple([z.string(), z.string()]), ['a'])[0].message).toBe('exactly 2 items, got 1');
  });
  it('numbers are finite and within their bounds; integers are safe', () => {
    const px = z.number().min(-10).max(10);
    expect(payloadIssues(px, 10)).toEqual([]);
    for (const bad of [10.5, -11, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '3'])
      expect(payloadIssues(px, bad), String(bad)).toHaveLength(1);
    expect(payloadIssues(px, 1e308)[0].message).toBe('expected a finite number in -10..10, got 1e+308');
    expect(payloadIssues(px, Number.NaN)[0].message).toBe('expected a finite number in -10..10, got NaN');
    expect(payloadIssues(z.number(), Number.POSITIVE_INFINITY)[0].message).toBe(
      'expected a finite number, got Infinity',
    );
    const id = z.int().min(1);
    expect(payloadIssues(id, 2 ** 53 - 1)).toEqual([]);
    expect(payloadIssues(id, 2 ** 53)[0].message).toBe('expected an integer ≥ 1 (below 2^53), got 9007199254740992');
    expect(payloadIssues(id, 1.2345678901234568e29)).toHaveLength(1);
    expect(payloadIssues(id, 1.5)[0].message).toMatch(/integer ≥ 1/);
    expect(payloadIssues(z.int(), 2 ** 60)[0].message).toMatch(/an integer \(\|n\| below 2\^53\)/);
  });
  it('strings have bounded lengths', () => {
    expect(payloadIssues(z.string().min(1).max(3), 'abc')).toEqual([]);
    expect(payloadIssues(z.string().min(1).max(3), '')[0].message).toBe(
      'expected a string in 1..3 characters long, got ""',
    );
    expect(payloadIssues(z.string().max(3), 'abcd')[0].message).toMatch(/≤ 3 characters long/);
    expect(payloadIssues(z.string().max(3), 5)[0].message).toBe('expected a string ≤ 3 characters long, got 5');
  });
  it('objects: one issue per unknown field, missing fields, record keys', () => {
    const o = z.strictObject({ a: z.boolean(), b: z.literal([1, 2]).optional() });
    expect(payloadIssues(o, { a: true, x: 1, y: 2 })).toEqual([
      { path: '$.x', message: 'unknown field' },
      { path: '$.y', message: 'unknown field' },
    ]);
    expect(payloadIssues(o, { b: 3 })).toEqual([
      { path: '$.a', message: 'expected true or false, got undefined' },
      { path: '$.b', message: 'expected 1 or 2, got 3' },
    ]);
    expect(payloadIssues(o, [])).toEqual([{ path: '$', message: 'expected an object, got []' }]);
    const byId = z.record(PersonIdSchema, z.number());
    expect(payloadIssues(byId, { ['x'.repeat(65)]: 1 })[0]).toEqual({
      path: `$.${'x'.repeat(65)}`,
      message: expect.stringMatching(/^is not an allowed key: expected a string in 1\.\.64 characters long/),
    });
  });
  it('values only IPC can carry are refused in words, never with a crash', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(payloadIssues(z.strictObject({ n: z.number() }), { n: 10n })[0].message).toBe(
      'expected a finite number, got 10',
    );
    expect(payloadIssues(z.number(), cyclic)[0].message).toBe('expected a finite number, got [object Object]');
  });
});
