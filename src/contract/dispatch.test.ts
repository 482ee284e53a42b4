import { describe, expect, it } from 'vitest';
import { ApiError } from './apiErrors.ts';
import { dispatch, errorOfFailure } from './dispatch.ts';
import type { PoseApi } from './poseApi.ts';

/** An API whose methods answer as given: the dispatcher's own rules, apart from any service. */
const apiAnswering = (answer: () => Promise<unknown>) => new Proxy({}, { get: () => answer }) as unknown as PoseApi;

describe('dispatch: one call, any transport', () => {
  const ok = apiAnswering(async () => ({ total: 0, images: [] }));
  it('a valid call answers its value; unknown methods and payloads off the contract are refused by code', async () => {
    expect(await dispatch(ok, 'listImages', {})).toEqual({ ok: true, value: { total: 0, images: [] } });
    expect(await dispatch(ok, 'dropTables', {})).toEqual({
      ok: false,
      code: 'not_found',
      error: 'unknown method dropTables',
    });
    expect(await dispatch(ok, 'toString', {})).toMatchObject({ ok: false, code: 'not_found' });
    expect(await dispatch(ok, 'listImages', { limit: 0 })).toEqual({
      ok: false,
      code: 'bad_request',
      error: 'listImages request: $.limit: expected an integer ≥ 1 (below 2^53), got 0',
      details: [{ path: '$.limit', message: 'expected an integer ≥ 1 (below 2^53), got 0' }],
    });
  });
  it("a response off the contract is the service's fault (internal); thrown errors keep their code and details", async () => {
    const wrong = await dispatch(
      apiAnswering(async () => ({ total: -1, images: [] })),
      'listImages',
      {},
    );
    expect(wrong).toMatchObject({
      ok: false,
      code: 'internal',
      error: expect.stringMatching(/listImages response: \$\.total/),
    });
    const conflict = apiAnswering(async () => {
      throw new ApiError('conflict', 'stale', { revision: 4 });
    });
    expect(await dispatch(conflict, 'getAnnotation', { imageId: 1 })).toEqual({
      ok: false,
      code: 'conflict',
      error: 'stale',
      details: { revision: 4 },
    });
    const coco = apiAnswering(async () => {
      throw Object.assign(new Error('bad file'), {
        name: 'CocoFormatError',
        violations: Array.from({ length: 500 }, (_, i) => ({ path: `images[${i}]`, message: 'x' })),
      });
    });
    const r = await dispatch(coco, 'importCoco', { path: 'a.json' });
    expect(r).toMatchObject({ ok: false, code: 'unprocessable' });
    expect((r as { details: unknown[] }).details).toHaveLength(100);
  });
  it('the client side: the same ApiError from a failure, the nearest code when a reply has none', () => {
    const e = errorOfFailure({ ok: false, error: 'stale', code: 'conflict', details: 1 }, 'applyEdit');
    expect([e.code, e.status, e.message, e.details]).toEqual(['conflict', 409, 'stale', 1]);
    const proxy = errorOfFailure('<html>Bad Gateway</html>', 'listImages', 502);
    expect([proxy.code, proxy.status, proxy.message]).toEqual(['internal', 500, 'listImages failed (502)']);
    expect(errorOfFailure({}, 'x', 503).code).toBe('unavailable');
  });
});
