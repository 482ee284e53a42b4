import { z } from 'zod';
import type { Pose } from '../core/codec/assign/toPoses.ts';
import { AnnotationStateSchema, JOINT_COUNT } from '../core/edit/poseRecords.ts';
import { RecordDiffSchema } from '../core/edit/recordDiff.ts';
import { DECODE_MODES } from '../core/codec/decodeMode.ts';

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
  mode: z.enum(DECODE_MODES),
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

/** What a model's card says (core/model/modelFacts.ts): its training data, whether synthetic only, its measured AP. */
export const ModelFactsSchema = z.strictObject({
  trainedOn: MessageText,
  syntheticOnly: z.boolean(),
  accuracy: z.array(z.strictObject({ on: MessageText, AP: z.number(), AP50: z.number().nullable() })).max(8),
  parameters: z.number().nullable(),
  note: MessageText.nullable(),
});
/** A model detection can use: `id` null for the app's bundled model while no run has recorded it. */
export const ModelInfo = z.strictObject({
  id: RowId.nullable(),
  path: PathText,
  name: NameText,
  exists: z.boolean(),
  bundled: z.boolean(),
  facts: ModelFactsSchema,
});
export type ModelInfo = z.output<typeof ModelInfo>;
/**
 * The project's detection setup, the one the app and `simplepose detect` both use: `settings` and `model`, the
 * models to choose from, the run "Run detection" completes (null: none yet) and how many present images it still
 * lacks; `photos`: the project's images are not `simplepose synth` ones; `python`: the interpreter a checkpoint
 * import runs (the server's setting: `serve --python`, SIMPLEPOSE_PYTHON).
 */
export const DetectSetup = z.strictObject({
  settings: DetectSettings,
  model: ModelInfo,
  models: z.array(ModelInfo).max(200),
  currentRunId: RowId.nullable(),
  toDetect: Count,
  photos: z.boolean(),
  python: PathText,
});

/** A finished or interrupted run, as the evaluation panel lists them. */
export const RunInfo = z.strictObject({
  id: RowId,
  model: NameText,
  settings: DetectSettings,
  status: NameText,
  predictions: Count,
});
const Curve = z.array(z.number()).max(101);
/** core/eval/evaluationReport.ts over the wire: per image, the precision–recall curve, each joint's error. */
export const EvaluationPayload = z.strictObject({
  run: RunInfo,
  runs: z.array(RunInfo).max(100),
  overall: Stats,
  images: Count,
  perImage: z.array(
    z.strictObject({
      imageId: RowId,
      relPath: PathText,
      AP: z.number(),
      AR: z.number(),
      oks: z.number().nullable(),
      gtPersons: Count,
      predictions: Count,
    }),
  ),
  curve: z.strictObject({ recall: Curve, oks50: Curve, oks75: Curve, mean: Curve }),
  joints: z
    .array(
      z.strictObject({
        joint: Count,
        similarity: z.number().nullable(),
        medianPx: z.number().nullable(),
        count: Count,
      }),
    )
    .length(JOINT_COUNT),
});
