import { z } from 'zod';
import type { Pose } from '../core/codec/assign/toPoses.ts';
import { AnnotationStateSchema, JOINT_COUNT } from '../core/edit/poseRecords.ts';
import { RecordDiffSchema } from '../core/edit/recordDiff.ts';

/**
 * The payload pieces the API's methods share, declared once as zod schemas (the annotation records and diffs live
 * in core/edit, which uses them too). Only checks: no transforms or defaults, so a payload that passes is used as
 * it came. Every string has a maximum length, every number is finite, every id a safe integer.
 */

/** A file path or a name in a file system (PATH_MAX of Linux). */
export const PathText = z.string().max(4096);
/** Short names: a model's, a run status, an execution provider, a job id. */
export const NameText = z.string().max(256);
/** A message for the user (a failed job's reason). */
export const MessageText = z.string().max(10_000);
/** What an undo step is called in messages ("move joint", "import COCO"). */
export const EditLabel = z.string().max(200);
/** An annotation revision: 0 before the first edit, +1 per saved change. */
export const Revision = z.int().min(0);
/** A database row id (images, runs). */
export const RowId = z.int().min(1);
export const Count = z.int().min(0);

/** Review status of an image (PRODUCT.md: review). */
export const ImageStatus = z.enum(['unreviewed', 'in_progress', 'accepted', 'rejected', 'skipped', 'no_person']);
export type ImageStatus = z.output<typeof ImageStatus>;

/** `score`: mean person score of the image's latest prediction (null: not run yet or no person found). */
export const ImageRow = z.strictObject({
  id: RowId,
  relPath: PathText,
  width: z.int().min(1),
  height: z.int().min(1),
  status: ImageStatus,
  missing: z.boolean(),
  score: z.number().nullable(),
});
export type ImageRow = z.output<typeof ImageRow>;

const ScoredJoint = z.strictObject({ x: z.number(), y: z.number(), score: z.number() }).nullable();
/** A model pose in image pixels, COCO keypoint order (what the decoder's toPoses gives). */
export const PoseSchema = z.strictObject({
  score: z.number(),
  joints: z.array(ScoredJoint).length(JOINT_COUNT),
  neck: ScoredJoint,
});
// The decoder declares Pose itself (core/codec); this fails to compile when the two part.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const poseIsTheDecoders: Same<z.output<typeof PoseSchema>, Pose> = true;
void poseIsTheDecoders;

export const Stats = z.strictObject({
  AP: z.number(),
  AP50: z.number(),
  AP75: z.number(),
  APm: z.number(),
  APl: z.number(),
  AR: z.number(),
  AR50: z.number(),
  AR75: z.number(),
  ARm: z.number(),
  ARl: z.number(),
});

/** Detection settings: inference scales (at most 8; the service checks their range), flip pass, decoder mode. */
export const DetectSettings = z.strictObject({
  scales: z.array(z.number()).max(8),
  flip: z.boolean(),
  mode: z.enum(['reference', 'fast']),
});
export type DetectSettings = z.output<typeof DetectSettings>;

/** An entry of an image's undo history (core/edit/editHistory.ts). */
export const HistoryEntrySchema = z.strictObject({ diff: RecordDiffSchema, label: EditLabel });
export type HistoryEntryPayload = z.output<typeof HistoryEntrySchema>;
/** Entries 1..cursor done, cursor+1..length undone; `entries`: the consecutive ones loaded, from `first`. */
export const HistoryWindowSchema = z.strictObject({
  cursor: Count,
  length: Count,
  first: RowId,
  entries: z.array(HistoryEntrySchema),
});
/** An image's annotation as an editor opens it: state, revision and a window of its history. */
export const AnnotationViewSchema = z.strictObject({
  state: AnnotationStateSchema,
  revision: Revision,
  history: HistoryWindowSchema,
});
export type AnnotationView = z.output<typeof AnnotationViewSchema>;
/**
 * One step of the history: `do` with `diff` and `label` (and optionally `seq`, the position the editor gave it,
 * checked when the revision is current); `undo`/`redo` with the `seq` of their entry and nothing else.
 */
export const EditStep = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('do'), seq: RowId.optional(), diff: RecordDiffSchema, label: EditLabel }),
  z.strictObject({ kind: z.literal('undo'), seq: RowId }),
  z.strictObject({ kind: z.literal('redo'), seq: RowId }),
]);
export type EditStep = z.output<typeof EditStep>;
