import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../skeleton/poseMeta.ts';
import { jointBounds, type ImageSize } from '../edit/diffChecks.ts';
import type { CocoViolation } from './cocoTypes.ts';
import { overflowedNumbers } from './overflowedNumbers.ts';

/** COCO keypoints per person (the meta's count). */
const K = COCO_KEYPOINTS.length;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a COCO `file_name` cannot name a file inside the images folder, or null: it must be a plain relative path
 * with '/' between folders (no absolute path, drive, '..', '.', empty part, backslash or control character), in
 * valid Unicode.
 */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'must be a non-empty string';
  // A lone surrogate is valid JSON but not Unicode: stored as UTF-8 it becomes U+FFFD, so two such names would be
  // one file, one image overwriting the other.
  if (LONE_SURROGATE.test(name)) return 'is not valid Unicode text (it holds a lone surrogate, such as \\ud800)';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'contains a control character';
  }
  if (name.includes('\\')) return 'uses "\\"; separate folders with "/"';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'must be relative to the images folder, not absolute';
  const parts = name.split('/');
  if (parts.includes('..')) return 'must stay inside the images folder (no ".." parts)';
  if (parts.some((x) => x === '' || x === '.')) return 'must be a plain relative path (no empty or "." parts)';
  return null;
}

/** Every rule of PRODUCT.md "COCO export rules" for a keypoints GT file, each violation with its JSON path. */
export function validateCocoGt(json: unknown): CocoViolation[] {
  const out: CocoViolation[] = [];
  const err = (path: string, message: string) => out.push({ path, message, severity: 'error' });
  if (!isObject(json)) {
    err('$', 'a COCO ground-truth file must be a JSON object with images, annotations and categories');
    return out;
  }
  for (const key of ['images', 'annotations', 'categories'] as const)
    if (!Array.isArray(json[key])) err(key, `missing or not an array`);
  if (out.length) return out;
  const images = json.images as unknown[],
    annotations = json.annotations as unknown[],
    categories = json.categories as unknown[];
  const imageIds = new Set<number>();
  const sizes = new Map<number, ImageSize>();
  const fileNames = new Map<string, number>();
  for (const [i, im] of images.entries()) {
    const p = `images[${i}]`;
    if (!isObject(im)) {
      err(p, 'must be an object');
      continue;
    }
    checkId(im.id, `${p}.id`, 'image', imageIds, err);
    if (typeof im.file_name !== 'string') err(`${p}.file_name`, 'must be a non-empty string');
    else {
      const problem = fileNameProblem(im.file_name);
      if (problem) err(`${p}.file_name`, `${show(im.file_name)} ${problem}`);
      const first = fileNames.get(im.file_name);
      if (first !== undefined)
        err(`${p}.file_name`, `${show(im.file_name)} is also the file_name of images[${first}] (one record per file)`);
      else fileNames.set(im.file_name, i);
    }
    for (const k of ['width', 'height'])
      if (!isPositiveInt(im[k])) err(`${p}.${k}`, `must be a positive integer, got ${show(im[k])}`);
    if (isPositiveInt(im.width) && isPositiveInt(im.height) && Number.isSafeInteger(im.id))
      sizes.set(im.id as number, { width: im.width as number, height: im.height as number });
  }
  const catIds = new Set<number>();
  for (const [i, c] of categories.entries()) {
    const p = `categories[${i}]`;
    if (!isObject(c)) {
      err(p, 'must be an object');
      continue;
    }
    checkId(c.id, `${p}.id`, 'category', catIds, err);
    if (typeof c.name !== 'string') err(`${p}.name`, 'must be a string');
    if (c.keypoints !== undefined) {
      if (!Array.isArray(c.keypoints) || c.keypoints.length !== K)
        err(`${p}.keypoints`, `must list the ${K} COCO keypoint names`);
      else
        c.keypoints.forEach((n, j) => {
          if (n !== COCO_KEYPOINTS[j]) err(`${p}.keypoints[${j}]`, `expected "${COCO_KEYPOINTS[j]}", got ${show(n)}`);
        });
    }
    if (c.skeleton !== undefined) checkSkeleton(c.skeleton, `${p}.skeleton`, err);
  }
  const annIds = new Set<number>();
  for (const [i, a] of annotations.entries()) {
    const p = `annotations[${i}]`;
    if (!isObject(a)) {
      err(p, 'must be an object');
      continue;
    }
    checkId(a.id, `${p}.id`, 'annotation', annIds, err);
    if (!imageIds.has(a.image_id as number))
      err(`${p}.image_id`, `${show(a.image_id)} is not the id of an image in this file`);
    if (!catIds.has(a.category_id as number))
      err(`${p}.category_id`, `${show(a.category_id)} is not the id of a category in this file`);
    if (a.iscrowd !== 0 && a.iscrowd !== 1) err(`${p}.iscrowd`, `must be present and 0 or 1, got ${show(a.iscrowd)}`);
    const visible = checkKeypoints(a.keypoints, `${p}.keypoints`, err, false, sizes.get(a.image_id as number));
    if (visible !== null && a.num_keypoints !== visible)
      err(`${p}.num_keypoints`, `is ${show(a.num_keypoints)} but ${visible} keypoints have v > 0`);
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(isFiniteNumber))
      err(`${p}.bbox`, 'must be [x, y, w, h] with 4 numbers');
    else if ((a.bbox[2] as number) < 0 || (a.bbox[3] as number) < 0)
      err(`${p}.bbox`, `width and height must be ≥ 0, got ${show(a.bbox)}`);
    if (!isFiniteNumber(a.area)) err(`${p}.area`, `must be present and a number, got ${show(a.area)}`);
    else if (a.iscrowd === 0 && (a.area as number) <= 0)
      err(`${p}.area`, `must be > 0 for a non-crowd person, got ${a.area}`);
    // A person with nothing labelled is real only with a box of its own (COCO has such people, boxed but too small
    // or hidden for keypoints); no keypoints and a box of at most one pixel ([0, 0, 1, 1]) is an empty record.
    if (a.iscrowd === 0 && visible === 0 && !realBox(a.bbox))
      err(p, `a person with no labelled keypoints and no real box (bbox ${show(a.bbox)}): an empty record`);
  }
  const masks = annotations.every(
    (a) =>
      isObject(a) && a.segmentation !== undefined && !(Array.isArray(a.segmentation) && a.segmentation.length === 0),
  );
  const info = isObject(json.info) ? json.info : undefined;
  if (!masks && (info === undefined || typeof info.area_source !== 'string')) {
    out.push({
      path: 'info.area_source',
      message: 'some persons have no mask: say how their area was derived',
      severity: 'warning',
    });
  }
  overflowedNumbers(json, out);
  return out;
}

/** A bbox that covers more than one pixel. */
function realBox(bbox: unknown): boolean {
  return Array.isArray(bbox) && bbox.length === 4 && bbox.every(isFiniteNumber) && bbox[2] * bbox[3] > 1;
}

/** Rules for a COCO keypoints results file; `gtImageIds` (when known) must contain every image_id. */
export function validateCocoResults(json: unknown, gtImageIds?: ReadonlySet<number>): CocoViolation[] {
  const out: CocoViolation[] = [];
  const err = (path: string, message: string) => out.push({ path, message, severity: 'error' });
  if (!Array.isArray(json)) {
    err('$', 'a COCO results file must be a flat JSON array of detections');
    return out;
  }
  for (const [i, r] of json.entries()) {
    const p = `[${i}]`;
    if (!isObject(r)) {
      err(p, 'must be an object');
      continue;
    }
    if (!Number.isSafeInteger(r.image_id))
      err(`${p}.image_id`, `must be an integer below 2^53, got ${show(r.image_id)}`);
    else if (gtImageIds && !gtImageIds.has(r.image_id as number))
      err(`${p}.image_id`, `${r.image_id} is not an image of the ground truth`);
    if (!Number.isSafeInteger(r.category_id))
      err(`${p}.category_id`, `must be an integer below 2^53, got ${show(r.category_id)}`);
    if (!isFiniteNumber(r.score)) err(`${p}.score`, `must be a number, got ${show(r.score)}`);
    checkKeypoints(r.keypoints, `${p}.keypoints`, err, true);
  }
  overflowedNumbers(json, out);
  return out;
}

/**
 * Checks 3 × K numbers with v ∈ {0,1,2} and x = y = 0 when v = 0, labelled joints within jointBounds of the image
 * (when its size is known); returns the count of v > 0, or null if malformed.
 */
function checkKeypoints(
  kp: unknown,
  path: string,
  err: (p: string, m: string) => void,
  isResult = false,
  size?: ImageSize,
): number | null {
  const b = size ? jointBounds(size) : null;
  if (!Array.isArray(kp) || kp.length !== 3 * K) {
    err(path, `must have ${3 * K} numbers (${K} × [x, y, v]), got ${Array.isArray(kp) ? kp.length : show(kp)}`);
    return null;
  }
  let visible = 0,
    ok = true;
  for (let j = 0; j < K; j++) {
    const [x, y, v] = [kp[3 * j], kp[3 * j + 1], kp[3 * j + 2]];
    if (!isFiniteNumber(x) || !isFiniteNumber(y) || !isFiniteNumber(v)) {
      err(`${path}[${3 * j}]`, `keypoint ${j} (${COCO_KEYPOINTS[j]}) must be three numbers`);
      ok = false;
      continue;
    }
    if (isResult) {
      if (v > 0) visible++;
      continue;
    } // results carry any score-like v; COCOeval ignores it
    if (v !== 0 && v !== 1 && v !== 2) {
      err(`${path}[${3 * j + 2}]`, `v of ${COCO_KEYPOINTS[j]} must be 0, 1 or 2, got ${v}`);
      ok = false;
      continue;
    }
    if (v === 0 && (x !== 0 || y !== 0))
      err(`${path}[${3 * j}]`, `${COCO_KEYPOINTS[j]} has v = 0 but x, y = ${x}, ${y} (must be 0, 0)`);
    if (v > 0 && b && (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY))
      err(
        `${path}[${3 * j}]`,
        `${COCO_KEYPOINTS[j]} at (${x}, ${y}) is too far outside its ${size!.width}×${size!.height} image (allowed x ${b.minX}..${b.maxX}, y ${b.minY}..${b.maxY})`,
      );
    if (v > 0) visible++;
  }
  return ok ? visible : null;
}

function checkSkeleton(sk: unknown, path: string, err: (p: string, m: string) => void): void {
  if (!Array.isArray(sk)) {
    err(path, 'must be an array of [a, b] pairs');
    return;
  }
  const pairs = sk as unknown[];
  pairs.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((k) => Number.isInteger(k) && k >= 1 && k <= K)) {
      err(`${path}[${i}]`, `must be a pair of 1-based keypoint indices in 1..${K}, got ${show(pair)}`);
    }
  });
  const canonical = COCO_SKELETON_1BASED.map((p) => p.join('-'))
    .sort()
    .join(',');
  const given = pairs
    .filter(Array.isArray)
    .map((p) => (p as number[]).join('-'))
    .sort()
    .join(',');
  if (pairs.length > 0 && given !== canonical) err(path, 'is not the canonical 1-based COCO-17 skeleton');
}

function checkId(
  id: unknown,
  path: string,
  what: string,
  seen: Set<number>,
  err: (p: string, m: string) => void,
): void {
  if (!Number.isSafeInteger(id) || (id as number) < 1) {
    // Beyond 2^53 JSON numbers are not exact: such ids would export as 1.2e+29 and collide.
    err(path, `${what} id must be an integer from 1 to 2^53 − 1, got ${show(id)}`);
    return;
  }
  if (seen.has(id as number)) err(path, `duplicate ${what} id ${id}`);
  seen.add(id as number);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isPositiveInt(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}
function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
