import { MAX_JSON_DEPTH } from '../core/json/parseBoundedJson.ts';
import { ApiError } from './apiErrors.ts';

/** A request's size limit, the same on both transports; a COCO import is named by path, so no call comes near it. */
export const MAX_REQUEST_BYTES = 32 * 2 ** 20;
/** A request's nesting limit (the deepest legitimate one, a COCO polygon inside a person, is about 10 levels). */
export const MAX_REQUEST_DEPTH = MAX_JSON_DEPTH;

export const megabytes = (n: number) => `${Math.round((n / 2 ** 20) * 10) / 10} MB`;

/**
 * The refusal of a decoded payload that passes the request limits: nested deeper than `maxDepth` (a cycle, which
 * only an IPC payload can hold, too) or larger than `maxBytes` as JSON would be, roughly (strings by their length).
 * HTTP bodies are bounded before they are parsed (server/readJsonBody.ts); this bounds what the IPC adapter gets
 * the same way, in one pass without recursion, before any validator recurses into it. Null when within both.
 */
export function payloadLimitError(
  value: unknown,
  maxDepth = MAX_REQUEST_DEPTH,
  maxBytes = MAX_REQUEST_BYTES,
): ApiError | null {
  let bytes = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v !== 'object' || v === null) bytes += 8;
    else if (ArrayBuffer.isView(v))
      bytes += v.byteLength; // binary (IPC only): refused by the schema, not walked
    else {
      if (depth + 1 > maxDepth)
        return new ApiError('bad_request', `the request is nested deeper than ${maxDepth} levels`);
      bytes += 2 + (Array.isArray(v) ? v.length : 0);
      if (bytes > maxBytes) break;
      const items = Array.isArray(v) ? v : Object.entries(v);
      for (const item of items) {
        if (Array.isArray(v)) stack.push([item, depth + 1]);
        else {
          const [k, x] = item as [string, unknown];
          bytes += k.length + 3;
          stack.push([x, depth + 1]);
        }
      }
    }
    if (bytes > maxBytes) break;
  }
  if (bytes > maxBytes)
    return new ApiError('too_large', `the request is over the API's limit of ${megabytes(maxBytes)}`);
  return null;
}
