import type { BodyPose } from './bodyPose.ts';
import type { Random } from './seededRandom.ts';
import { fillCapsule, fillEllipse, fillPolygon, type CanvasRgb, type Shader } from './canvasRgb.ts';

/** Body parts drawn per person; owner id = person·PARTS + part. */
export const PART = {
  head: 0,
  neck: 1,
  torso: 2,
  lUpperArm: 3,
  lForearm: 4,
  lHand: 5,
  rUpperArm: 6,
  rForearm: 7,
  rHand: 8,
  lThigh: 9,
  lShin: 10,
  lFoot: 11,
  rThigh: 12,
  rShin: 13,
  rFoot: 14,
} as const;
export const PARTS = 16;

/** For each COCO keypoint, the parts it belongs to: a joint shows when the pixel there is one of them. */
export const JOINT_PARTS: number[][] = [
  [PART.head],
  [PART.head],
  [PART.head],
  [PART.head],
  [PART.head],
  [PART.torso, PART.lUpperArm],
  [PART.torso, PART.rUpperArm],
  [PART.lUpperArm, PART.lForearm],
  [PART.rUpperArm, PART.rForearm],
  [PART.lForearm, PART.lHand],
  [PART.rForearm, PART.rHand],
  [PART.torso, PART.lThigh],
  [PART.torso, PART.rThigh],
  [PART.lThigh, PART.lShin],
  [PART.rThigh, PART.rShin],
  [PART.lShin, PART.lFoot],
  [PART.rShin, PART.rFoot],
];

type Rgb = [number, number, number];

/** Clothing and skin for one person: varied colours, sometimes stripes or noise texture. */
function outfit(r: Random) {
  const skins: Rgb[] = [
    [255, 219, 172],
    [241, 194, 125],
    [224, 172, 105],
    [198, 134, 66],
    [141, 85, 36],
    [92, 58, 30],
  ];
  const colour = (): Rgb => [r.uniform(20, 240), r.uniform(20, 240), r.uniform(20, 240)];
  return {
    skin: r.pick(skins),
    shirt: colour(),
    pants: colour(),
    hair: [r.uniform(10, 120), r.uniform(10, 90), r.uniform(5, 60)] as Rgb,
    stripes: r.chance(0.3) ? r.uniform(3, 9) : 0,
    light: r.uniform(-0.6, 0.6),
  };
}

function shader(base: Rgb, light: number, stripes: number, noise: Random): Shader {
  return (t, u) => {
    const shade = 0.55 + 0.45 * Math.sqrt(Math.max(0, 1 - t * t)) + 0.18 * light * t;
    const stripe = stripes > 0 && Math.sin(u * stripes * Math.PI * 2) > 0.4 ? 0.75 : 1;
    const n = 1 + (noise.next() - 0.5) * 0.08;
    return [base[0] * shade * stripe * n, base[1] * shade * stripe * n, base[2] * shade * stripe * n];
  };
}

/**
 * Draws one person back to front: far-side limbs, torso, legs, head, near-side arms (which side is far follows the
 * facing), each part a shaded capsule/ellipse/polygon. Returns nothing: ownership is in the canvas.
 */
export function renderPerson(c: CanvasRgb, pose: BodyPose, personIndex: number, r: Random): void {
  const j = pose.joints,
    H = pose.heightPx,
    o = outfit(r);
  const id = (part: number) => personIndex * PARTS + part;
  const sh = (base: Rgb, stripes = 0) => shader(base, o.light, stripes, r);
  const limbR = { upperArm: 0.035 * H, forearm: 0.028 * H, thigh: 0.05 * H, shin: 0.038 * H, neck: 0.03 * H };
  const sleeves = r.chance(0.5);
  const arm = (side: 'l' | 'r') => {
    const [s, e, w] = side === 'l' ? [j[5], j[7], j[9]] : [j[6], j[8], j[10]];
    fillCapsule(c, s, e, limbR.upperArm, id(side === 'l' ? PART.lUpperArm : PART.rUpperArm), sh(o.shirt, o.stripes));
    fillCapsule(
      c,
      e,
      w,
      limbR.forearm,
      id(side === 'l' ? PART.lForearm : PART.rForearm),
      sh(sleeves ? o.shirt : o.skin),
    );
    fillEllipse(
      c,
      w[0] + (w[0] - e[0]) * 0.25,
      w[1] + (w[1] - e[1]) * 0.25,
      0.03 * H,
      0.022 * H,
      Math.atan2(w[1] - e[1], w[0] - e[0]),
      id(side === 'l' ? PART.lHand : PART.rHand),
      sh(o.skin),
    );
  };
  const leg = (side: 'l' | 'r') => {
    const [h, k, a] = side === 'l' ? [j[11], j[13], j[15]] : [j[12], j[14], j[16]];
    fillCapsule(c, h, k, limbR.thigh, id(side === 'l' ? PART.lThigh : PART.rThigh), sh(o.pants));
    fillCapsule(c, k, a, limbR.shin, id(side === 'l' ? PART.lShin : PART.rShin), sh(o.pants));
    const toe = pose.facing >= 0 ? 1 : -1;
    fillEllipse(
      c,
      a[0] + toe * 0.03 * H,
      a[1] + 0.01 * H,
      0.045 * H,
      0.018 * H,
      0,
      id(side === 'l' ? PART.lFoot : PART.rFoot),
      sh([40, 35, 30]),
    );
  };
  // The arm on the side turned away from the viewer is behind the torso.
  const farArm: 'l' | 'r' = pose.facing > 0 !== pose.backView ? 'l' : 'r';
  const nearArm = farArm === 'l' ? 'r' : 'l';
  if (Math.abs(pose.facing) > 0.4) {
    arm(farArm);
    leg(farArm);
  }
  const torsoPts = [j[5], j[6], j[12], j[11]].map((p, i) => {
    const cx = (j[5][0] + j[6][0] + j[11][0] + j[12][0]) / 4,
      cy = (j[5][1] + j[6][1] + j[11][1] + j[12][1]) / 4;
    const grow = i < 2 ? 1.12 : 1.08;
    return [cx + (p[0] - cx) * grow, cy + (p[1] - cy) * grow];
  });
  fillPolygon(c, torsoPts, id(PART.torso), sh(o.shirt, o.stripes));
  if (Math.abs(pose.facing) <= 0.4) {
    leg('l');
    leg('r');
  } else leg(nearArm);
  const neckBase = [(j[5][0] + j[6][0]) / 2, (j[5][1] + j[6][1]) / 2];
  const headC = [(j[3][0] + j[4][0] + j[1][0] + j[2][0]) / 4, (j[3][1] + j[4][1] + j[1][1] + j[2][1]) / 4];
  fillCapsule(c, neckBase, headC, limbR.neck, id(PART.neck), sh(o.skin));
  const headAngle = Math.atan2(headC[1] - neckBase[1], headC[0] - neckBase[0]);
  fillEllipse(
    c,
    headC[0],
    headC[1],
    0.075 * H,
    0.062 * H,
    headAngle,
    id(PART.head),
    sh(pose.backView ? o.hair : o.skin),
  );
  if (!pose.backView)
    for (const e of [j[1], j[2]])
      fillEllipse(c, e[0], e[1], 0.008 * H + 0.5, 0.006 * H + 0.5, 0, id(PART.head), () => [30, 25, 20]);
  if (Math.abs(pose.facing) <= 0.4) {
    arm('l');
    arm('r');
  } else arm(nearArm);
}
