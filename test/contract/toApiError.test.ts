import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/contract/apiErrors.ts';
import { ContractError } from '../../src/contract/checkPayload.ts';
import { CocoFormatError } from '../../src/core/coco/cocoTypes.ts';
import { JsonInputError } from '../../src/core/json/parseBoundedJson.ts';
import { ImageInputError } from '../../src/node/images/decodeImage.ts';
import { toApiError } from '../../src/contract/toApiError.ts';

describe('toApiError', () => {
  it("maps every kind of failure to its code; a user's mistake is never internal", () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: raw, open '/x'`), { code, path: '/x' });
    const cases: [unknown, string, number][] = [
      [new ApiError('conflict', 'stale'), 'conflict', 409],
      [new ContractError('listImages request', [{ path: '$.limit', message: 'x' }]), 'bad_request', 400],
      [new JsonInputError('not valid JSON'), 'bad_request', 400],
      [new CocoFormatError('COCO', [{ path: '$', message: 'x', severity: 'error' }]), 'unprocessable', 422],
      [new ImageInputError('a.jpg: empty'), 'unprocessable', 422],
      [errno('ENOENT'), 'not_found', 404],
      [errno('EACCES'), 'forbidden', 403],
      [errno('ENOSPC'), 'unavailable', 503],
      // better-sqlite3's SqliteError of a write outside writeTransaction that found the lock taken
      [
        Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' }),
        'unavailable',
        503,
      ],
      [
        Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY_SNAPSHOT' }),
        'unavailable',
        503,
      ],
      [Object.assign(new Error('gone'), { status: 410 }), 'bad_request', 400],
      [new RangeError('Maximum call stack size exceeded'), 'bad_request', 400],
      [new TypeError("Cannot read properties of undefined (reading 'x')"), 'internal', 500],
      ['a string', 'internal', 500],
    ];
    for (const [e, code, status] of cases) {
      const a = toApiError(e);
      expect([a.code, a.status], String(e)).toEqual([code, status]);
    }
    expect(toApiError(errno('ENOENT')).message).toBe('/x: no such file or folder');
    expect(toApiError(new ContractError('m', [{ path: '$.a', message: 'b' }])).details).toEqual([
      { path: '$.a', message: 'b' },
    ]);
    expect(toApiError(new TypeError('boom\n    at x.ts:1')).message).toBe('internal error: boom');
  });
});
