import { CocoFormatError, type CocoDataset, type CocoKeypointResult } from './cocoTypes.ts';
import { validateCocoGt, validateCocoResults } from './validateCoco.ts';
import { parseBoundedJson } from '../json/parseBoundedJson.ts';

/** Parses and validates a COCO keypoints GT file; throws CocoFormatError listing every error (warnings pass). */
export function parseCocoGt(text: string, what = 'COCO ground truth'): CocoDataset {
  const json = parseJson(text, what);
  const violations = validateCocoGt(json);
  if (violations.some((v) => v.severity === 'error')) throw new CocoFormatError(what, violations);
  return json as CocoDataset;
}

/** Parses and validates a COCO keypoints results file (a flat array). */
export function parseCocoResults(
  text: string,
  gtImageIds?: ReadonlySet<number>,
  what = 'COCO results',
): CocoKeypointResult[] {
  const json = parseJson(text, what);
  const violations = validateCocoResults(json, gtImageIds);
  if (violations.length) throw new CocoFormatError(what, violations);
  return json as CocoKeypointResult[];
}

/** JSON.parse with a clear message; a leading UTF-8 byte-order mark (as some editors write) is accepted. */
export function parseJson(raw: string, what: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim().length === 0)
    throw new CocoFormatError(what, [{ path: '$', message: 'the file is empty', severity: 'error' }]);
  try {
    // Bounded nesting (the validator recurses) and a message with the place, never the file's content.
    return parseBoundedJson(text, 256);
  } catch (e) {
    throw new CocoFormatError(what, [{ path: '$', message: (e as Error).message, severity: 'error' }]);
  }
}

/**
 * Serialises COCO JSON. Numbers are written with full precision (never truncated to ints); a trailing newline.
 */
export function serializeCoco(data: CocoDataset | CocoKeypointResult[]): string {
  return `${JSON.stringify(data)}\n`;
}

/**
 * serializeCoco's text in pieces of about `chunkChars` characters (the same characters, joined): a 100,000-image
 * export with ten persons each is ~0.5 GB of JSON, near the longest string JavaScript can hold, and building it at
 * once doubles the memory. The top-level arrays (images, annotations, a results list) are written record by record.
 */
export function* serializeCocoChunks(
  data: CocoDataset | CocoKeypointResult[],
  chunkChars = 1 << 20,
): Generator<string> {
  let buf = '';
  const put = function* (s: string) {
    buf += s;
    if (buf.length >= chunkChars) {
      yield buf;
      buf = '';
    }
  };
  const array = function* (a: unknown[]) {
    yield* put('[');
    for (let i = 0; i < a.length; i++) yield* put((i ? ',' : '') + (JSON.stringify(a[i]) ?? 'null'));
    yield* put(']');
  };
  if (Array.isArray(data)) yield* array(data);
  else {
    let first = true;
    for (const [k, v] of Object.entries(data)) {
      const text = Array.isArray(v) ? null : JSON.stringify(v);
      if (text === undefined) continue; // JSON.stringify leaves out undefined members
      yield* put(`${first ? '{' : ','}${JSON.stringify(k)}:`);
      first = false;
      if (text === null) yield* array(v as unknown[]);
      else yield* put(text);
    }
    yield* put(first ? '{}' : '}');
  }
  yield `${buf}\n`;
}
