import { describe, expect, it } from 'vitest';
import { freshCocoIds } from './freshCocoIds.ts';

describe('freshCocoIds', () => {
  it('counts on above the largest id, as before', () => {
    const next = freshCocoIds([3, 10, 7]);
    expect([next(), next(), next()]).toEqual([11, 12, 13]);
    const none = freshCocoIds([]);
    expect([none(), none()]).toEqual([1, 2]);
  });
  it('at 2^53 − 1 takes the lowest free ids, never a used one and never an inexact one', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const next = freshCocoIds([max, 1, 3]);
    expect([next(), next(), next()]).toEqual([2, 4, 5]);
    const near = freshCocoIds([max - 1]);
    expect([near(), near()]).toEqual([max, 1]);
  });
});
