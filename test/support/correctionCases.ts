import path from 'node:path';
import { readdirSync } from 'node:fs';
import { DECODE_FIXTURES, SHARED_ROOT, readDecodeCase, readJson } from './fixturePaths.ts';
import type { DecodeInput } from '../../src/core/codec/decodeCase.ts';
import { encodeTargets } from '../../src/core/codec/encodeTargets.ts';
import { passGeometry } from '../../src/core/codec/passGeometry.ts';
import { toEncoderPerson, type CocoJoints } from '../../src/core/skeleton/imhnJoints.ts';

/** The 12 decode fixture cases (ids as strings, sorted). */
export const DECODE_CASE_IDS = readdirSync(DECODE_FIXTURES)
  .filter((d) => /^\d+$/.test(d))
  .sort();

export function readFixtureCase(id: string): Promise<DecodeInput> {
  return readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'));
}

export const COCO_MINI_TRAIN_GT = path.join(
  SHARED_ROOT,
  'data',
  'coco-mini',
  'annotations',
  'person_keypoints_train2017.json',
);

interface GtFile {
  annotations: { image_id: number; keypoints: number[]; iscrowd: number; num_keypoints: number }[];
}
let gtCache: GtFile | null = null;

/** The labelled (non-crowd, ≥ 1 keypoint) persons of a COCO image of coco-mini train, as COCO joints. */
export function gtPersons(imageId: number): CocoJoints[] {
  gtCache ??= readJson<GtFile>(COCO_MINI_TRAIN_GT);
  return gtCache.annotations
    .filter((a) => a.image_id === imageId && !a.iscrowd && a.num_keypoints > 0)
    .map((a) =>
      Array.from({ length: 17 }, (_, k) =>
        a.keypoints[3 * k + 2] > 0 ? { x: a.keypoints[3 * k], y: a.keypoints[3 * k + 1] } : null,
      ),
    );
}

/**
 * A standing person in a 256×192 image (image pixels): arms out, so that every joint is well apart from the others.
 * `dx` shifts it right.
 */
export function standingPerson(dx = 0): CocoJoints {
  const pts: [number, number][] = [
    [64, 30], // nose
    [68, 26], // left eye
    [60, 26], // right eye
    [73, 29], // left ear
    [55, 29], // right ear
    [80, 50], // left shoulder
    [48, 50], // right shoulder
    [92, 72], // left elbow
    [36, 72], // right elbow
    [104, 92], // left wrist
    [24, 92], // right wrist
    [74, 105], // left hip
    [54, 105], // right hip
    [76, 138], // left knee
    [52, 138], // right knee
    [78, 172], // left ankle
    [50, 172], // right ankle
  ];
  return pts.map(([x, y]) => ({ x: x + dx, y }));
}

/**
 * What a perfect network outputs for these persons: the project's GT encoder rendered on the stride-4 grid of a
 * single pass at multiplier 1 over a width×height image (no flip pass), as a decode input.
 */
export function perfectMapsInput(persons: CocoJoints[], width = 256, height = 192): DecodeInput {
  const g = passGeometry(width, height, 1);
  const data = encodeTargets(
    persons.map((p) => toEncoderPerson(p, 1)),
    g.mapH,
    g.mapW,
  );
  return {
    image: { id: 1, width, height },
    passes: [{ multiplier: 1, maps: { data, shape: [50, g.mapH, g.mapW] }, flippedMaps: null }],
  };
}
