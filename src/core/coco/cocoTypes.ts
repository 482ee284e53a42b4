/**
 * COCO keypoints data (https://cocodataset.org/#format-data). Coordinates are image pixels, x right, y down;
 * `keypoints` are 17 [x, y, v] triplets in COCO order (v: 0 not labelled, 1 labelled but hidden, 2 visible).
 */
export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  [extra: string]: unknown;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  keypoints: number[];
  num_keypoints: number;
  /** [x, y, w, h] in pixels. */
  bbox: number[];
  /** Pixels²: segmentation area when there is a mask, else as `info.area_source` says. */
  area: number;
  iscrowd: 0 | 1;
  segmentation?: unknown;
  [extra: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  keypoints?: string[];
  /** Pairs of 1-based keypoint indices. */
  skeleton?: number[][];
  [extra: string]: unknown;
}

export interface CocoDataset {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  [extra: string]: unknown;
}

/** One detection of a COCO keypoints results file (a flat JSON array of these). */
export interface CocoKeypointResult {
  image_id: number;
  category_id: number;
  keypoints: number[];
  score: number;
  [extra: string]: unknown;
}

/** A rule broken by a COCO file, located by its JSON path (e.g. `annotations[3].keypoints[5]`). */
export interface CocoViolation {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export class CocoFormatError extends Error {
  override name = 'CocoFormatError';
  readonly violations: CocoViolation[];
  constructor(what: string, violations: CocoViolation[]) {
    const errors = violations.filter((v) => v.severity === 'error');
    const shown = errors
      .slice(0, 5)
      .map((v) => `${v.path}: ${v.message}`)
      .join('; ');
    super(
      `${what}: ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${shown}${errors.length > 5 ? '; …' : ''}`,
    );
    this.violations = violations;
  }
}
