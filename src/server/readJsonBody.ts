import type http from 'node:http';
import { ApiError } from '../contract/apiErrors.ts';
import { MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH, megabytes } from '../contract/requestLimits.ts';
import { parseBoundedJson } from '../core/json/parseBoundedJson.ts';

/** The API's request body limit (the contract's, the same over IPC). */
export const DEFAULT_MAX_BODY_BYTES = MAX_REQUEST_BYTES;

/** 413 from the declared Content-Length, before a byte of the body is read (null: within the limit or not given). */
export function declaredTooLarge(req: http.IncomingMessage, limit: number): ApiError | null {
  const declared = Number(req.headers['content-length'] ?? 0);
  return declared > limit
    ? new ApiError(
        'too_large',
        `the request body is ${megabytes(declared)}, over the API's limit of ${megabytes(limit)}`,
      )
    : null;
}

/**
 * Reads a JSON request body of at most `limit` bytes (stops reading and refuses as soon as a streamed body passes
 * it), strictly UTF-8, nesting bounded (parseBoundedJson), so nothing downstream can be made to overflow its stack.
 */
export function readJsonBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      reject(new ApiError('too_large', `the request body is over the API's limit of ${megabytes(limit)}`));
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
      } catch {
        return reject(new ApiError('bad_request', 'the request body is not valid UTF-8'));
      }
      try {
        resolve(parseBoundedJson(text, MAX_REQUEST_DEPTH));
      } catch (e) {
        reject(new ApiError('bad_request', `request body: ${(e as Error).message}`));
      }
    });
  });
}
