import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_DEPTH, payloadLimitError } from './requestLimits.ts';

const nested = (depth: number) => {
  let v: unknown = 0;
  for (let k = 0; k < depth; k++) v = k % 2 ? [v] : { v };
  return v;
};

describe('request limits of a decoded payload (what IPC delivers)', () => {
  it('nesting: as deep as a JSON body may be, not deeper; a cycle is refused, not followed', () => {
    expect(payloadLimitError(nested(MAX_REQUEST_DEPTH))).toBeNull();
    expect(payloadLimitError(nested(MAX_REQUEST_DEPTH + 1))).toMatchObject({
      code: 'bad_request',
      message: `the request is nested deeper than ${MAX_REQUEST_DEPTH} levels`,
    });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(payloadLimitError(cyclic)?.code).toBe('bad_request');
    expect(payloadLimitError(nested(200_000))?.code).toBe('bad_request'); // no recursion, no stack overflow
  });
  it('size: strings, keys, arrays and binary count; refused over the limit with its size in words', () => {
    expect(payloadLimitError({ label: 'x'.repeat(1000) }, 64, 2000)).toBeNull();
    expect(payloadLimitError({ label: 'x'.repeat(3000) }, 64, 2000)).toMatchObject({ code: 'too_large', status: 413 });
    expect(payloadLimitError({ ['k'.repeat(3000)]: 1 }, 64, 2000)?.code).toBe('too_large');
    expect(payloadLimitError({ a: new Array(5000) }, 64, 2000)?.code).toBe('too_large');
    expect(payloadLimitError({ a: new Float64Array(1000) }, 64, 2000)?.code).toBe('too_large');
    expect(payloadLimitError({ label: 'x'.repeat(33 * 2 ** 20) })?.message).toBe(
      "the request is over the API's limit of 32 MB",
    );
  });
});
