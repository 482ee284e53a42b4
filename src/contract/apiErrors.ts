/**
 * Error codes of the API, declared once: every transport reports a failed call as `{ error, code }`, and HTTP maps
 * the code to its status here (IPC carries the code as is). A user's mistake is never `internal`.
 */
export const API_ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** An error a service throws on purpose: its message is for the user, its code says what kind of failure it is. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly details: unknown;
  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

export function isApiErrorCode(x: unknown): x is ApiErrorCode {
  return typeof x === 'string' && Object.hasOwn(API_ERROR_STATUS, x);
}

/** The code of any thrown value: an ApiError's own, a status-carrying error's nearest code, else `internal`. */
export function errorCodeOf(e: unknown): ApiErrorCode {
  if (e instanceof ApiError) return e.code;
  const status = (e as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    const hit = (Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).find((c) => API_ERROR_STATUS[c] === status);
    if (hit) return hit;
    if (status >= 400 && status < 500) return 'bad_request';
  }
  return 'internal';
}
