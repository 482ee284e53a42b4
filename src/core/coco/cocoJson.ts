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
