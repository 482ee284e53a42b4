import { ApiError, errorCodeOf, type ApiErrorCode } from './apiErrors.ts';

/**
 * Every failure of an API call as an ApiError, in one place for both transports (dispatch.ts; the HTTP server
 * answers `{ error, code, details }` with the code's status, IPC carries it as is, and so do the media routes): the
 * errors the app throws on purpose keep their code; bad input found by a parser or validator is the user's
 * (400/409/422), never `internal`; only what nobody foresaw is `internal`, and even then without a stack trace.
 * Errors are known by name (the layers that throw them sit above the contract) and by errno code.
 */
const CODE_BY_ERROR_NAME: Record<string, ApiErrorCode> = {
  ContractError: 'bad_request',
  JsonInputError: 'bad_request',
  CocoFormatError: 'unprocessable',
  ImageInputError: 'unprocessable',
  BmpFormatError: 'unprocessable',
  NpyFormatError: 'unprocessable',
  ModelCardError: 'unprocessable',
  ModelLoadError: 'unprocessable',
  DecodeInputError: 'unprocessable',
  EditError: 'conflict',
  DiffConflictError: 'conflict',
};

const CODE_BY_ERRNO: Record<string, [ApiErrorCode, string]> = {
  ENOENT: ['not_found', 'no such file or folder'],
  EACCES: ['forbidden', 'permission denied'],
  EPERM: ['forbidden', 'permission denied'],
  EROFS: ['forbidden', 'the folder is read-only'],
  EISDIR: ['bad_request', 'a folder, not a file'],
  ENOTDIR: ['bad_request', 'not a folder'],
  ENOSPC: ['unavailable', 'the disk is full'],
};

/** At most this many problems travel with a refusal (its message names the first five). */
export const MAX_DETAILED_PROBLEMS = 100;

/** The located problems an error carries (a contract violation's issues, a COCO file's violations), bounded. */
function problemList(err: Error): unknown[] | undefined {
  const x = err as { issues?: unknown; violations?: unknown };
  const list = Array.isArray(x.issues) ? x.issues : Array.isArray(x.violations) ? x.violations : undefined;
  return list?.slice(0, MAX_DETAILED_PROBLEMS);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const named = Object.hasOwn(CODE_BY_ERROR_NAME, err.name) ? CODE_BY_ERROR_NAME[err.name] : undefined;
  if (named) return new ApiError(named, err.message, problemList(err));
  const sys = err as { code?: unknown; path?: unknown };
  const errno = typeof sys.code === 'string' && Object.hasOwn(CODE_BY_ERRNO, sys.code) ? CODE_BY_ERRNO[sys.code] : null;
  if (errno) {
    const where = typeof sys.path === 'string' ? sys.path : undefined;
    return new ApiError(errno[0], where ? `${where}: ${errno[1]}` : errno[1]);
  }
  // SQLite's busy/locked (better-sqlite3's SqliteError: SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, …): another
  // writer holds the lock; a write that is not a writeTransaction still answers 503, never 500.
  if (typeof sys.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(sys.code))
    return new ApiError(
      'unavailable',
      'the project database is locked by another writer (another window, server, detection or import); nothing was changed, try again',
    );
  // No room for the database to grow (its file, its -wal log or a temporary file): the machine's state, as ENOSPC
  // is; SQLite rolled the statement back, so nothing was changed.
  if (typeof sys.code === 'string' && /^SQLITE_FULL/.test(sys.code))
    return new ApiError(
      'unavailable',
      'the disk holding the project is full; nothing was changed: free some space and try again',
    );
  // A damaged page found by a read (a large project's open checks only its small tables: openProjectDb).
  if (typeof sys.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(sys.code))
    return new ApiError(
      'unavailable',
      `the project database is damaged (${err.message.split('\n')[0]}); nothing was changed: restore the project from a backup`,
    );
  if (err instanceof RangeError && /call stack/.test(err.message))
    return new ApiError('bad_request', 'the request is nested too deeply');
  const code = errorCodeOf(err);
  return new ApiError(code, code === 'internal' ? `internal error: ${err.message.split('\n')[0]}` : err.message);
}
