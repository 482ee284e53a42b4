import { z } from 'zod';
import { COCO_KEYPOINTS } from '../skeleton/poseMeta.ts';

/**
 * The annotation of one image as records (image pixels, COCO keypoint order), declared once as zod schemas: the
 * contract sends them as they are, and the TypeScript types below are derived from them. Every joint remembers
 * where it came from: `model` (accepted as predicted), `human` (placed by a person), `edited` (a model joint moved
 * or changed), with the model's original position and score kept for provenance and evaluation. The schemas only
 * check (no transforms, no defaults): a payload that passes is used as it came.
 */
export type Visibility = 0 | 1 | 2;

/** Joints per person: the COCO keypoints of the skeleton meta (a person always has exactly this many entries). */
export const JOINT_COUNT = COCO_KEYPOINTS.length;

/**
 * Image pixels: a sanity bound for any coordinate whatever the image (the store then checks joints against their
 * own image, diffChecks.jointBounds).
 */
export const ImagePxSchema = z.number().min(-1e6).max(1e6);
/**
 * Person ids: short strings (the editor's are ~12 characters; an import's `c<annotation id>`), never the name of a
 * built-in object property: persons are keyed by id in plain objects, where `constructor` would already "exist" and
 * `__proto__` would set the prototype instead of storing a person.
 */
export const PersonIdSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((id) => !isBuiltInPropertyName(id), {
    error: () => BUILT_IN_ID_PROBLEM,
  });
/** zod skips a `__proto__` key of a record without checking it, so the store's diff checks refuse it (diffChecks). */
export const isBuiltInPropertyName = (id: string) => id in Object.prototype;
export const BUILT_IN_ID_PROBLEM =
  'must not be the name of a built-in object property (__proto__, constructor, toString, …)';
/**
 * Any JSON value (finite numbers only), typed `unknown`: opaque passthrough data that the app carries but does not
 * read field by field (an imported COCO annotation's extra fields).
 */
export const JsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union(
    [z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)],
    { error: 'expected JSON data (strings, finite numbers, true or false, null, arrays and objects of them)' },
  ),
);
export const JointSourceSchema = z.enum(['model', 'human', 'edited']);
export type JointSource = z.output<typeof JointSourceSchema>;

export const JointRecordSchema = z.strictObject({
  x: ImagePxSchema,
  y: ImagePxSchema,
  /**
   * COCO visibility: 1 labelled but hidden, 2 visible, 0 not labelled — a joint the reviewer set to 0 keeps its
   * position here so that the visibility cycle can bring it back (the export writes 0, 0, 0 for it, as COCO
   * requires); a joint never placed is null.
   */
  v: z.literal([0, 1, 2]),
  source: JointSourceSchema,
  model: z.strictObject({ x: ImagePxSchema, y: ImagePxSchema, score: z.number() }).optional(),
});
export type JointRecord = z.output<typeof JointRecordSchema>;

export const PersonRecordSchema = z.strictObject({
  /** Stable within the image (survives edits, undo and reload). */
  id: PersonIdSchema,
  /** JOINT_COUNT COCO joints, in COCO order; null = not labelled (v = 0). */
  joints: z.array(JointRecordSchema.nullable()).length(JOINT_COUNT),
  crowd: z.boolean(),
  /** The model's person score when the person came from a prediction. */
  score: z.number().optional(),
  /** Fields carried through from an imported COCO annotation (id, bbox, area, segmentation, …): any JSON. */
  coco: z.record(z.string(), JsonValueSchema).optional(),
  /** Position of the imported annotation in its COCO file (exports keep that order). */
  cocoOrder: z.int().min(0).optional(),
});
export type PersonRecord = z.output<typeof PersonRecordSchema>;

/** A model prediction's identity in an image (core/review/predictionTriage.ts `predictionKey`). */
export const PredictionKeySchema = z.string().min(1).max(64);

/**
 * An image's persons by id, plus their display order, and the model's predictions the reviewer rejected one by one
 * (their keys; absent: none), so that a rejected prediction stays rejected across reloads and undo brings it back.
 */
export const AnnotationStateSchema = z.strictObject({
  persons: z.record(PersonIdSchema, PersonRecordSchema),
  order: z.array(PersonIdSchema),
  rejectedPredictions: z.array(PredictionKeySchema).optional(),
});
export type AnnotationState = z.output<typeof AnnotationStateSchema>;

export const EMPTY_ANNOTATION: AnnotationState = { persons: {}, order: [] };

/** A joint with a labelled position (v = 1 or 2): what COCO counts, exports and evaluates. */
export function isLabelled(j: JointRecord | null | undefined): j is JointRecord & { v: 1 | 2 } {
  return !!j && j.v > 0;
}

/**
 * A person with nothing to export: not a crowd region, no labelled joint and no box of its own (an imported
 * annotation with a bbox but no keypoints is a real COCO person). The editor removes one when the reviewer leaves
 * it; the export never writes one.
 */
export function isEmptyPerson(p: PersonRecord): boolean {
  return !p.crowd && !p.joints.some(isLabelled) && !Array.isArray(p.coco?.bbox);
}

export function personsInOrder(s: AnnotationState): PersonRecord[] {
  return s.order.map((id) => s.persons[id]);
}
