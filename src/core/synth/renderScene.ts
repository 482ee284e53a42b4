import { seededRandom, type Random } from './seededRandom.ts';
import { createCanvas, fillCapsule, fillEllipse, fillPolygon, type CanvasRgb } from './canvasRgb.ts';
import { poseFromTemplate, samplePriorPose, type BodyPose } from './bodyPose.ts';
import { JOINT_PARTS, PARTS, renderPerson } from './renderPerson.ts';

export interface SceneOptions {
  width: number;
  height: number;
  minPersons: number;
  maxPersons: number;
  /** Real COCO poses (17 × [x, y, v]) to draw from; half of the persons use one when given. */
  templates: readonly (readonly number[])[];
}

/** One synthetic person's COCO annotation (image pixels), without ids. */
export interface SceneAnnotation {
  keypoints: number[];
  num_keypoints: number;
  bbox: [number, number, number, number];
  /** Pixels of the person's visible silhouette. */
  area: number;
  /** COCO uncompressed RLE of the visible silhouette (column-major runs starting with background). */
  segmentation: { counts: number[]; size: [number, number] };
}

export interface Scene {
  rgb: Uint8Array;
  annotations: SceneAnnotation[];
  jpegQuality: number;
}

/**
 * Renders one image for seed `seed`: a cluttered procedural background, 1..N people at COCO small/medium/large
 * scales overlapping each other (drawn back to front by feet position), lighting and blur. Visibility per joint:
 * v = 2 when the pixel at the joint shows one of that joint's own body parts, v = 1 when something covers it
 * (another person, or the person's own torso/arm), v = 0 outside the image. Deterministic for a seed.
 */
export function renderScene(seed: number, o: SceneOptions): Scene {
  const r = seededRandom(seed);
  const c = createCanvas(o.width, o.height);
  paintBackground(c, r);
  const n = r.int(o.minPersons, o.maxPersons);
  const poses: BodyPose[] = [];
  for (let i = 0; i < n; i++) {
    // Height log-uniform from ~35 px (small) to 1.1 × image height (large, truncated).
    const h = Math.exp(r.uniform(Math.log(35), Math.log(o.height * 1.1)));
    const cx = r.uniform(0.05, 0.95) * o.width,
      cy = r.uniform(0.25, 0.95) * o.height;
    poses.push(
      o.templates.length && r.chance(0.5)
        ? poseFromTemplate(r, r.pick(o.templates), cx, cy, h)
        : samplePriorPose(r, cx, cy, h),
    );
  }
  const order = poses
    .map((p, i) => ({ i, feet: Math.max(p.joints[15][1], p.joints[16][1]) }))
    .sort((a, b) => a.feet - b.feet);
  for (const { i } of order) renderPerson(c, poses[i], i, r);
  finishLighting(c, r);
  const annotations = poses.map((p, i) => annotate(c, p, i)).filter((a): a is SceneAnnotation => a !== null);
  const rgb = new Uint8Array(o.width * o.height * 3);
  for (let k = 0; k < rgb.length; k++) rgb[k] = Math.max(0, Math.min(255, Math.round(c.rgb[k])));
  return { rgb, annotations, jpegQuality: r.int(55, 95) };
}

function annotate(c: CanvasRgb, pose: BodyPose, person: number): SceneAnnotation | null {
  const { width: W, height: H } = c;
  let area = 0,
    x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = c.owner[y * W + x];
      if (o >= 0 && Math.floor(o / PARTS) === person) {
        area++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  const keypoints: number[] = [];
  let labelled = 0;
  pose.joints.forEach(([x, y], k) => {
    const px = Math.round(x),
      py = Math.round(y);
    const faceHidden = pose.backView && k <= 2; // nose and eyes of someone seen from behind are not labelled
    if (px < 0 || py < 0 || px >= W || py >= H || faceHidden) {
      keypoints.push(0, 0, 0);
      return;
    }
    const o = c.owner[py * W + px];
    const shows = o >= 0 && Math.floor(o / PARTS) === person && JOINT_PARTS[k].includes(o % PARTS);
    keypoints.push(x, y, shows ? 2 : 1);
    labelled++;
  });
  if (area < 40 || labelled === 0) return null; // hidden or off-image people are not annotated
  return {
    keypoints,
    num_keypoints: labelled,
    bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
    area,
    segmentation: silhouetteRle(c, person),
  };
}

/** COCO uncompressed RLE: runs over the column-major flattened mask, first run = background. */
function silhouetteRle(c: CanvasRgb, person: number): { counts: number[]; size: [number, number] } {
  const counts: number[] = [];
  let current = 0,
    run = 0;
  for (let x = 0; x < c.width; x++)
    for (let y = 0; y < c.height; y++) {
      const o = c.owner[y * c.width + x];
      const v = o >= 0 && Math.floor(o / PARTS) === person ? 1 : 0;
      if (v === current) run++;
      else {
        counts.push(run);
        run = 1;
        current = v;
      }
    }
  counts.push(run);
  return { counts, size: [c.height, c.width] };
}

function paintBackground(c: CanvasRgb, r: Random): void {
  const a = [r.uniform(0, 255), r.uniform(0, 255), r.uniform(0, 255)],
    b = [r.uniform(0, 255), r.uniform(0, 255), r.uniform(0, 255)];
  const horizon = r.uniform(0.3, 0.8) * c.height;
  for (let y = 0; y < c.height; y++) {
    const t = y < horizon ? (y / horizon) * 0.5 : 0.5 + ((y - horizon) / (c.height - horizon)) * 0.5;
    for (let x = 0; x < c.width; x++) {
      const i = 3 * (y * c.width + x);
      for (let k = 0; k < 3; k++) c.rgb[i + k] = a[k] * (1 - t) + b[k] * t;
    }
  }
  // Clutter: rectangles, blobs and stick-like lines (the last look like limbs, to teach the model what is not a person).
  const none = -1;
  const flat = (col: number[]) => () =>
    [col[0] * r.uniform(0.9, 1.1), col[1] * r.uniform(0.9, 1.1), col[2] * r.uniform(0.9, 1.1)] as [
      number,
      number,
      number,
    ];
  for (let i = r.int(4, 16); i > 0; i--) {
    const col = [r.uniform(0, 255), r.uniform(0, 255), r.uniform(0, 255)];
    const x = r.uniform(0, c.width),
      y = r.uniform(0, c.height),
      s = r.uniform(10, c.width / 3);
    const kind = r.int(0, 2);
    if (kind === 0)
      fillPolygon(
        c,
        [
          [x, y],
          [x + s, y],
          [x + s, y + s * r.uniform(0.3, 2)],
          [x, y + s * r.uniform(0.3, 2)],
        ],
        none,
        flat(col),
      );
    else if (kind === 1) fillEllipse(c, x, y, s / 2, s * r.uniform(0.2, 0.6), r.uniform(0, Math.PI), none, flat(col));
    else fillCapsule(c, [x, y], [x + r.normal(0, s), y + r.normal(0, s)], r.uniform(2, 10), none, flat(col));
  }
  const noise = r.uniform(0, 14);
  for (let i = 0; i < c.rgb.length; i++) c.rgb[i] += (r.next() - 0.5) * 2 * noise;
  c.owner.fill(-1);
}

/** Global lighting (gain, gamma-ish contrast, a light gradient) and sometimes a 3×3 blur. */
function finishLighting(c: CanvasRgb, r: Random): void {
  const gain = r.uniform(0.6, 1.3),
    bias = r.uniform(-25, 25),
    gx = r.uniform(-0.3, 0.3) / c.width;
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) {
      const i = 3 * (y * c.width + x),
        g = gain * (1 + gx * (x - c.width / 2));
      for (let k = 0; k < 3; k++) c.rgb[i + k] = c.rgb[i + k] * g + bias;
    }
  if (r.chance(0.3)) boxBlur(c);
}

function boxBlur(c: CanvasRgb): void {
  const src = c.rgb.slice(),
    W = c.width,
    H = c.height;
  for (let y = 1; y < H - 1; y++)
    for (let x = 1; x < W - 1; x++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += src[3 * ((y + dy) * W + x + dx) + k];
        c.rgb[3 * (y * W + x) + k] = s / 9;
      }
}
