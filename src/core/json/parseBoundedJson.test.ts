import { describe, expect, it } from 'vitest';
import { JsonInputError, MAX_JSON_DEPTH, parseBoundedJson } from './parseBoundedJson.ts';

describe('parseBoundedJson', () => {
  it('parses JSON as JSON.parse does, brackets inside strings not counted', () => {
    const v = { a: [1, { b: '[[[{{{"' }], c: null, d: -1.5e3, e: 'é\u0000' };
    expect(parseBoundedJson(JSON.stringify(v))).toEqual(v);
    expect(parseBoundedJson(`"${'['.repeat(10_000)}"`)).toBe('['.repeat(10_000));
    const deepest = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(parseBoundedJson(deepest)).toBeInstanceOf(Array);
  });
  it('refuses nesting deeper than the bound before any recursion can overflow', () => {
    expect(() => parseBoundedJson(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(
      new JsonInputError(`nested deeper than ${MAX_JSON_DEPTH} levels (at line 1 column ${MAX_JSON_DEPTH + 1})`),
    );
    expect(() => parseBoundedJson(`{"a":\n${'{"b":'.repeat(1_000_000)}`)).toThrow(
      /nested deeper than 64 levels \(at line 2/,
    );
    expect(() => parseBoundedJson('[[[]]]', 2)).toThrow(/deeper than 2/);
  });
  it('says where the text is wrong and never quotes it', () => {
    const cases: [string, string][] = [
      ['root:x:0:0:root:/root:/bin/bash\n', 'unexpected character at line 1 column 1'],
      ['{"a": 1}\n{"password": hunter2}', 'unexpected non-whitespace character after JSON at line 2 column 1'],
      ['{"a": tru}', 'unexpected character at line 1 column 7'],
      ['{"secret": 1,}', 'expected double-quoted property name at line 1 column 14'],
      ['["abc', 'unterminated string at line 1 column 6'],
      ['', 'the text ends early, at line 1 column 1'],
      ['  \n  x', 'unexpected character at line 2 column 3'],
    ];
    for (const [text, place] of cases) {
      let message = '';
      try {
        parseBoundedJson(text);
      } catch (e) {
        expect(e).toBeInstanceOf(JsonInputError);
        message = (e as Error).message;
      }
      expect(message, text).toBe(`not valid JSON (${place})`);
      for (const secret of ['root', 'bash', 'hunter2', 'secret', 'abc', 'tru']) expect(message).not.toContain(secret);
    }
  });
});
