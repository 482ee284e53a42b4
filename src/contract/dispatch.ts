import { ApiError, errorCodeOf, isApiErrorCode, type ApiErrorCode } from './apiErrors.ts';
import { checkPayload } from './checkPayload.ts';
import { isPoseMethod, type PoseApi } from './poseApi.ts';
import { payloadLimitError } from './requestLimits.ts';
import { toApiError } from './toApiError.ts';

/** A failed call as it travels, on both transports: the message for the user, its code, and what it carries. */
export interface ApiFailure {
  ok: false;
  error: string;
  code: ApiErrorCode;
  /** A contract violation's issues (each with its JSON path), a conflict's current annotation, a COCO file's violations. */
  details?: unknown;
}
export type ApiReply = { ok: true; value: unknown } | ApiFailure;

/** Any thrown value as the failure both transports send (toApiError: the one mapping of errors to codes). */
export function failureOf(e: unknown): ApiFailure {
  const err = toApiError(e);
  return {
    ok: false,
    error: err.message,
    code: err.code,
    ...(err.details !== undefined ? { details: err.details } : {}),
  };
}

/**
 * One call of the API, whatever the transport (the HTTP adapter, the Electron IPC adapter): the method must be in
 * the contract, the payload within the request limits and valid for its request schema (400 `bad_request` with
 * every issue), and the answer valid for its response schema (otherwise it is the service's fault: 500
 * `internal`). Never throws: every failure comes back as `{ ok: false, error, code, details }`.
 */
export async function dispatch(api: PoseApi, method: string, payload: unknown): Promise<ApiReply> {
  try {
    if (!isPoseMethod(method)) throw new ApiError('not_found', `unknown method ${method}`);
    const limit = payloadLimitError(payload);
    if (limit) throw limit;
    checkPayload(method, 'request', payload);
    const value = await (api[method] as (r: unknown) => Promise<unknown>)(payload);
    try {
      checkPayload(method, 'response', value);
    } catch (e) {
      throw new ApiError('internal', (e as Error).message); // the service's fault, not the caller's
    }
    return { ok: true, value: value ?? null };
  } catch (e) {
    return failureOf(e);
  }
}

/**
 * The error a client call throws for a failure that came back (its status is the code's, ApiError.status); a reply
 * without a code (not from this API: a proxy's) gets the code nearest to `status`.
 */
export function errorOfFailure(f: unknown, what: string, status?: number): ApiError {
  const x = (typeof f === 'object' && f !== null ? f : {}) as Partial<ApiFailure>;
  const code = isApiErrorCode(x.code) ? x.code : errorCodeOf({ status });
  return new ApiError(code, typeof x.error === 'string' ? x.error : `${what} failed (${status ?? code})`, x.details);
}
