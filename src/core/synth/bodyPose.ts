import type { Random } from './seededRandom.ts';
import { COCO_KEYPOINTS } from '../skeleton/poseMeta.ts';

/**
 * A 2-D person pose in image pixels: the 17 COCO keypoints (COCO order) plus the body facts the renderer needs.
 * `facing`: −1 profile left … 0 frontal … 1 profile right; `backView` when seen from behind (face features hidden).
 */
export interface BodyPose {
  joints: [number, number][];
  heightPx: number;
  facing: number;
  backView: boolean;
}

/** Segment lengths as fractions of body height (adult proportions, after Drillis & Contini / standard figure canons). */
const P = {
  head: 0.13,
  neck: 0.05,
  shoulderHalf: 0.115,
  torso: 0.29,
  hipHalf: 0.085,
  upperArm: 0.17,
  forearm: 0.15,
  thigh: 0.245,
  shin: 0.245,
};

const deg = Math.PI / 180;
const dir = (a: number): [number, number] => [Math.sin(a), Math.cos(a)]; // angle 0 = straight down (image y grows down)

/**
 * Samples a pose from a kinematic prior with joint limits: torso lean, shoulder swing −160°…160°, elbow flexion
 * 0…150° (one way), hip swing −70°…100°, knee flexion 0…140° (the other way), head tilt; sometimes lying or
 * crouching. (cx, cy) is the pelvis centre, heightPx the standing height.
 */
export function samplePriorPose(r: Random, cx: number, cy: number, heightPx: number): BodyPose {
  const H = heightPx;
  const lean = r.chance(0.08) ? r.uniform(-100, 100) * deg : r.normal(0, 12) * deg; // torso angle from vertical
  const up = lean + Math.PI; // direction pelvis → neck
  const facing = r.chance(0.6) ? r.uniform(-0.3, 0.3) : r.pick([-1, 1]) * r.uniform(0.5, 1);
  const backView = r.chance(0.2);
  const width = Math.cos((facing * Math.PI) / 2); // shoulders/hips foreshorten in profile
  const across: [number, number] = [Math.cos(lean), -Math.sin(lean)]; // body's left-right axis (image right when frontal)
  const side = backView ? -1 : 1; // seen from behind, the person's left is on the image left
  const pelvis: [number, number] = [cx, cy];
  const neck = add(pelvis, scale(dir(up), P.torso * H));
  const sh = (s: number) => add(neck, scale(across, s * side * P.shoulderHalf * H * Math.max(0.25, width)));
  const hp = (s: number) => add(pelvis, scale(across, s * side * P.hipHalf * H * Math.max(0.3, width)));
  const lSho = sh(1),
    rSho = sh(-1),
    lHip = hp(1),
    rHip = hp(-1);
  const arm = (shoulder: [number, number], s: number) => {
    const a1 = lean + s * r.uniform(-20, 160) * deg * (r.chance(0.5) ? 1 : -0.4);
    const elbow = add(shoulder, scale(dir(a1), P.upperArm * H));
    const a2 = a1 + s * r.uniform(0, 150) * deg * (r.chance(0.7) ? 1 : -0.2);
    return [elbow, add(elbow, scale(dir(a2), P.forearm * H))] as const;
  };
  const crouch = r.chance(0.15);
  const leg = (hip: [number, number], s: number) => {
    const a1 = lean + s * r.uniform(-25, 35) * deg + (crouch ? s * r.uniform(30, 90) * deg : 0);
    const knee = add(hip, scale(dir(a1), P.thigh * H));
    const a2 = a1 - s * (crouch ? r.uniform(60, 140) : r.uniform(0, 40)) * deg;
    return [knee, add(knee, scale(dir(a2), P.shin * H))] as const;
  };
  const [lElb, lWri] = arm(lSho, 1),
    [rElb, rWri] = arm(rSho, -1);
  const [lKne, lAnk] = leg(lHip, 1),
    [rKne, rAnk] = leg(rHip, -1);
  const tilt = up + r.normal(0, 12) * deg;
  const headC = add(neck, scale(dir(tilt), P.neck * H + 0.5 * P.head * H));
  const faceR = 0.5 * P.head * H;
  const nose = add(headC, scale(across, facing * side * faceR * 0.9));
  const eye = (s: number) =>
    add(
      add(headC, scale(dir(tilt), 0.25 * faceR)),
      scale(across, side * (facing * faceR * 0.7 + s * 0.35 * faceR * width)),
    );
  const ear = (s: number) =>
    add(headC, scale(across, side * (s * faceR * 0.95 * Math.max(0.2, width) - facing * faceR * 0.3)));
  return {
    joints: [
      nose,
      eye(1),
      eye(-1),
      ear(1),
      ear(-1),
      lSho,
      rSho,
      lElb,
      rElb,
      lWri,
      rWri,
      lHip,
      rHip,
      lKne,
      rKne,
      lAnk,
      rAnk,
    ],
    heightPx: H,
    facing,
    backView,
  };
}

/**
 * A pose from a real COCO annotation (17 × [x, y, v]) placed at (cx, cy) with the given height: labelled joints are
 * kept (rotated slightly, mirrored sometimes), unlabelled ones are completed from a prior pose of the same size.
 */
export function poseFromTemplate(
  r: Random,
  template: readonly number[],
  cx: number,
  cy: number,
  heightPx: number,
): BodyPose {
  const prior = samplePriorPose(r, cx, cy, heightPx);
  const pts: [number, number][] = [];
  for (let k = 0; k < COCO_KEYPOINTS.length; k++)
    if (template[3 * k + 2] > 0) pts.push([template[3 * k], template[3 * k + 1]]);
  const ys = pts.map((p) => p[1]);
  const tH = Math.max(1, Math.max(...ys) - Math.min(...ys)) / 0.85;
  const tc: [number, number] = [
    pts.reduce((a, p) => a + p[0], 0) / pts.length,
    pts.reduce((a, p) => a + p[1], 0) / pts.length,
  ];
  const s = heightPx / tH,
    rot = r.normal(0, 8) * deg,
    flip = r.chance(0.5);
  const joints = prior.joints.map((pj, k) => {
    if (!(template[3 * k + 2] > 0)) return pj;
    let x = (template[3 * k] - tc[0]) * s,
      y = (template[3 * k + 1] - tc[1]) * s;
    if (flip) x = -x;
    return [cx + x * Math.cos(rot) - y * Math.sin(rot), cy + x * Math.sin(rot) + y * Math.cos(rot)] as [number, number];
  });
  if (flip) {
    // Mirroring swaps the person's left and right: relabel the joints so the names stay true.
    const swap = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];
    return { ...prior, joints: swap.map((k) => joints[k]), facing: -prior.facing };
  }
  return { ...prior, joints };
}

function add(a: readonly number[], b: readonly number[]): [number, number] {
  return [a[0] + b[0], a[1] + b[1]];
}
function scale(a: readonly number[], s: number): [number, number] {
  return [a[0] * s, a[1] * s];
}
