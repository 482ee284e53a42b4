import { COCO_KEYPOINTS } from '../skeleton/poseMeta.ts';

/**
 * The annotation of one image as records (image pixels, COCO keypoint order). Every joint remembers where it came
 * from: `model` (accepted as predicted), `human` (placed by a person), `edited` (a model joint moved or changed),
 * with the model's original position and score kept for provenance and evaluation.
 */
export type Visibility = 0 | 1 | 2;

/** Joints per person: the COCO keypoints of the skeleton meta (a person always has exactly this many entries). */
export const JOINT_COUNT = COCO_KEYPOINTS.length;
export type JointSource = 'model' | 'human' | 'edited';

export interface JointRecord {
  x: number;
  y: number;
  /** COCO visibility: 1 labelled but hidden, 2 visible (absent joints are null, i.e. v = 0). */
  v: 1 | 2;
  source: JointSource;
  model?: { x: number; y: number; score: number };
}

export interface PersonRecord {
  /** Stable within the image (survives edits, undo and reload). */
  id: string;
  /** JOINT_COUNT COCO joints, in COCO order; null = not labelled (v = 0). */
  joints: (JointRecord | null)[];
  crowd: boolean;
  /** The model's person score when the person came from a prediction. */
  score?: number;
  /** Fields carried through from an imported COCO annotation (id, bbox, area, segmentation, …). */
  coco?: Record<string, unknown>;
  /** Position of the imported annotation in its COCO file (exports keep that order). */
  cocoOrder?: number;
}

/** An image's persons by id, plus their display order. */
export interface AnnotationState {
  persons: Record<string, PersonRecord>;
  order: string[];
}

export const EMPTY_ANNOTATION: AnnotationState = { persons: {}, order: [] };

export function personsInOrder(s: AnnotationState): PersonRecord[] {
  return s.order.map((id) => s.persons[id]);
}
