import { ApiError, errorCodeOf, type ApiErrorCode } from '../../contract/apiErrors.ts';

/**
 * Every failure of an API call as an ApiError, in one place for both transports (the HTTP server answers
 * `{ error, code }` with the code's status; IPC carries the code): the errors the app throws on purpose keep their
 * code; bad input found by a parser or validator is the user's (400/409/422), never `internal`; only what nobody
 * foresaw is `internal`, and even then without a stack trace.
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

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const named = CODE_BY_ERROR_NAME[err.name];
  if (named) return new ApiError(named, err.message, (err as { issues?: unknown }).issues);
  const errno = CODE_BY_ERRNO[(err as NodeJS.ErrnoException).code ?? ''];
  if (errno) {
    const where = (err as NodeJS.ErrnoException).path;
    return new ApiError(errno[0], where ? `${where}: ${errno[1]}` : errno[1]);
  }
  if (err instanceof RangeError && /call stack/.test(err.message))
    return new ApiError('bad_request', 'the request is nested too deeply');
  const code = errorCodeOf(err);
  return new ApiError(code, code === 'internal' ? `internal error: ${err.message.split('\n')[0]}` : err.message);
}
