import { s, validate, type Infer, type Schema, type SchemaIssue } from '../core/schema/schema.ts';
import { JOINT_COUNT } from '../core/edit/poseRecords.ts';
import { COCO_KEYPOINTS } from '../core/skeleton/poseMeta.ts';

/** Review status of an image (PRODUCT.md: review). */
export const ImageStatus = s.literal('unreviewed', 'in_progress', 'accepted', 'rejected', 'skipped', 'no_person');

/**
 * Image pixels: a sanity bound for any coordinate whatever the image (the store then checks joints against their
 * own image, diffChecks.jointBounds).
 */
const Px = s.number({ min: -1e6, max: 1e6 });
/** Person ids: short strings (the editor's are ~12 characters; an import's `c<annotation id>`). */
const PersonId = s.string({ min: 1, max: 64 });
const Joint = s.nullable(
  s.object({
    x: Px,
    y: Px,
    v: s.literal(1, 2),
    source: s.literal('model', 'human', 'edited'),
    model: s.optional(s.object({ x: Px, y: Px, score: s.number() })),
  }),
);
export const PersonSchema = s.object({
  id: PersonId,
  /** One entry per COCO keypoint of the skeleton meta, in its order. */
  joints: s.fixedArray(Joint, JOINT_COUNT),
  crowd: s.boolean(),
  score: s.optional(s.number()),
  coco: s.optional(s.record(s.json())),
  cocoOrder: s.optional(s.integer(0)),
});
export const AnnotationSchema = s.object({ persons: s.record(PersonSchema), order: s.array(PersonId) });
/** A change as record diffs (core/edit/recordDiff.ts): `updated` pairs are [before, after]; `order` [before, after]. */
export const DiffSchema = s.object({
  added: s.record(PersonSchema),
  updated: s.record(s.fixedArray(PersonSchema, 2)),
  removed: s.record(PersonSchema),
  order: s.optional(s.fixedArray(s.array(PersonId), 2)),
});
const Revision = s.integer(0);
const EditLabel = s.string({ max: 200 });
/** An entry of an image's undo history (core/edit/editHistory.ts). */
const HistoryEntrySchema = s.object({ diff: DiffSchema, label: EditLabel });
/** Entries 1..cursor done, cursor+1..length undone; `entries`: the consecutive ones loaded, from `first`. */
const HistoryWindowSchema = s.object({
  cursor: s.integer(0),
  length: s.integer(0),
  first: s.integer(1),
  entries: s.array(HistoryEntrySchema),
});
export const AnnotationViewSchema = s.object({
  state: AnnotationSchema,
  revision: Revision,
  history: HistoryWindowSchema,
});
/**
 * One step of the history: `do` with `diff` and `label` (and optionally `seq`, the position the editor gave it,
 * checked when the revision is current); `undo`/`redo` with the `seq` of their entry and nothing else.
 */
const EditStep = s.object({
  kind: s.literal('do', 'undo', 'redo'),
  seq: s.optional(s.integer(1)),
  diff: s.optional(DiffSchema),
  label: s.optional(EditLabel),
});
/** `score`: mean person score of the image's latest prediction (null: not run yet or no person found). */
const ImageRow = s.object({
  id: s.integer(1),
  relPath: s.string(),
  width: s.integer(1),
  height: s.integer(1),
  status: ImageStatus,
  missing: s.boolean(),
  score: s.nullable(s.number()),
});
const ScoredJoint = s.nullable(s.object({ x: s.number(), y: s.number(), score: s.number() }));
/** A model pose in image pixels, COCO keypoint order (what the decoder's toPoses gives). */
const PoseSchema = s.object({
  score: s.number(),
  joints: s.fixedArray(ScoredJoint, COCO_KEYPOINTS.length),
  neck: ScoredJoint,
});
const Stats = s.object({
  AP: s.number(),
  AP50: s.number(),
  AP75: s.number(),
  APm: s.number(),
  APl: s.number(),
  AR: s.number(),
  AR50: s.number(),
  AR75: s.number(),
  ARm: s.number(),
  ARl: s.number(),
});
const DetectSettings = s.object({
  scales: s.array(s.number(), 8),
  flip: s.boolean(),
  mode: s.literal('reference', 'fast'),
});

/**
 * The API, defined once: every method with its request and response schema. The HTTP adapter, the Electron IPC
 * adapter, the preload bridge and both renderer clients are generated from this table.
 */
export const POSE_API = {
  projectInfo: {
    request: s.object({}),
    response: s.object({
      root: s.string(),
      name: s.string(),
      images: s.integer(0),
      counts: s.record(s.integer(0)),
      /** The model detection runs with by default (the bundled one unless the user picked another). */
      model: s.nullable(s.object({ path: s.string(), name: s.string(), exists: s.boolean() })),
      lastRun: s.nullable(
        s.object({ id: s.integer(1), status: s.string(), provider: s.nullable(s.string()), predictions: s.integer(0) }),
      ),
    }),
  },
  listImages: {
    /** `ids`: just these images, in this order (a review queue page); the other filters still apply. */
    request: s.object({
      status: s.optional(ImageStatus),
      offset: s.optional(s.integer(0)),
      limit: s.optional(s.integer(1)),
      minScore: s.optional(s.number()),
      maxScore: s.optional(s.number()),
      ids: s.optional(s.array(s.integer(1), 2000)),
    }),
    response: s.object({ total: s.integer(0), images: s.array(ImageRow) }),
  },
  /**
   * The model's poses for an image (its latest run) and whether that run's raw stride-4 maps are cached; the maps
   * themselves are binary (GET /maps/<imageId> over HTTP, the media protocol in Electron): a float16 .npy
   * [50, h, w] of the flip-averaged first pass, placed over the image by mapPlacement(width, height, multiplier).
   */
  getPredictions: {
    request: s.object({ imageId: s.integer(1) }),
    response: s.object({
      runId: s.nullable(s.integer(1)),
      poses: s.array(PoseSchema),
      maps: s.nullable(s.object({ multiplier: s.number(), shape: s.array(s.integer(1), 3) })),
    }),
  },
  /** The annotation with the part of its history around the cursor (older entries: getEditHistory). */
  getAnnotation: {
    request: s.object({ imageId: s.integer(1) }),
    response: AnnotationViewSchema,
  },
  /**
   * Persists steps of the editor's history (core/edit/editHistory.ts), in order, in one transaction: `do` a new entry
   * (`diff`, `label`), `undo`/`redo` of entry `seq` (no diff: the stored entry's is applied). `revision`: the
   * annotation revision the steps were made on. A stale `do` that touches fields nobody else changed since is
   * re-based and saved (`current` in the answer: the annotation as it is now, other writers' changes included);
   * refusals: 409 `conflict` when another writer changed the same joint or person since, for any undo or redo on a
   * stale revision, and for a step that does not follow the stored history (details: the current annotation as
   * getAnnotation gives it), 422 `unprocessable` for a diff that does not fit the image or the records it names
   * (details.step: which step, when there are several), 503 `unavailable` when the database stayed locked.
   */
  saveEdits: {
    request: s.object({ imageId: s.integer(1), revision: Revision, steps: s.array(EditStep, 50) }),
    response: s.object({
      revision: Revision,
      cursor: s.integer(0),
      length: s.integer(0),
      current: s.optional(AnnotationViewSchema),
    }),
  },
  /** Entries `from`..`to` (at most 200) of the history as it is at `revision`; 409 with the current annotation if stale. */
  getEditHistory: {
    request: s.object({ imageId: s.integer(1), revision: Revision, from: s.integer(1), to: s.integer(1) }),
    response: s.object({ entries: s.array(HistoryEntrySchema, 200) }),
  },
  /** `ifStatus`: change only an image that has this status now; `status` in the answer: the image's status after. */
  setStatus: {
    request: s.object({ imageId: s.integer(1), status: ImageStatus, ifStatus: s.optional(ImageStatus) }),
    response: s.object({ ok: s.literal(true), status: ImageStatus }),
  },
  startDetect: {
    /**
     * Completes this model's run with these settings (only images without its prediction); `rerun`: a new run over
     * every image. `imageTimeLimitSeconds`: past it an image fails alone (default: the engine's, 10 minutes).
     */
    request: s.object({
      modelPath: s.string(),
      settings: DetectSettings,
      rerun: s.optional(s.boolean()),
      imageTimeLimitSeconds: s.optional(s.number()),
    }),
    response: s.object({ jobId: s.string() }),
  },
  cancelJob: { request: s.object({ jobId: s.string() }), response: s.object({ ok: s.boolean() }) },
  exportCoco: {
    /** `path`: in web mode a file inside the exchange folder; in Electron only the dialog's suggestion. */
    request: s.object({ path: s.string(), onlyReviewed: s.boolean(), kind: s.literal('gt', 'results') }),
    /** `path`: the file written (in Electron, the one chosen in the save dialog). */
    response: s.object({ images: s.integer(0), annotations: s.integer(0), path: s.optional(s.string()) }),
  },
  importCoco: {
    request: s.object({ path: s.string() }),
    /** `images`, `persons`: in the file; `changes`: what the import changed (all 0 but imagesUnchanged: nothing). */
    response: s.object({
      images: s.integer(0),
      persons: s.integer(0),
      missingFiles: s.array(s.string()),
      changes: s.object({
        imagesAdded: s.integer(0),
        imagesUpdated: s.integer(0),
        imagesUnchanged: s.integer(0),
        personsAdded: s.integer(0),
        personsUpdated: s.integer(0),
        personsRemoved: s.integer(0),
        datasetUpdated: s.boolean(),
      }),
    }),
  },
  reviewQueue: {
    request: s.object({
      by: s.literal('uncertainty', 'hardness'),
      runId: s.optional(s.integer(1)),
      status: s.optional(ImageStatus),
    }),
    response: s.object({ images: s.array(s.object({ imageId: s.integer(1), key: s.number() })) }),
  },
  evaluate: {
    request: s.object({ runId: s.optional(s.integer(1)) }),
    response: s.object({
      overall: Stats,
      images: s.integer(0),
      perImage: s.array(s.object({ imageId: s.integer(1), AP: s.number(), AR: s.number() })),
    }),
  },
} as const;

/** Events pushed to clients (server-sent events over HTTP, IPC messages in Electron). */
export const POSE_EVENTS = {
  jobProgress: s.object({
    jobId: s.string(),
    done: s.integer(0),
    total: s.integer(0),
    failed: s.integer(0),
    imagesPerSecond: s.number(),
    etaSeconds: s.nullable(s.number()),
  }),
  jobFinished: s.object({
    jobId: s.string(),
    status: s.literal('done', 'cancelled', 'failed'),
    message: s.optional(s.string()),
  }),
  annotationChanged: s.object({ imageId: s.integer(1), revision: s.integer(0) }),
} as const;

export type PoseMethod = keyof typeof POSE_API;
export type PoseRequest<M extends PoseMethod> = Infer<(typeof POSE_API)[M]['request']>;
export type PoseResponse<M extends PoseMethod> = Infer<(typeof POSE_API)[M]['response']>;
/** The one API type both transports implement. */
export type PoseApi = { [M in PoseMethod]: (request: PoseRequest<M>) => Promise<PoseResponse<M>> };

export class ContractError extends Error {
  override name = 'ContractError';
  readonly issues: SchemaIssue[];
  constructor(what: string, issues: SchemaIssue[]) {
    super(
      `${what}: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? '; …' : ''}`,
    );
    this.issues = issues;
  }
}

/** Throws a ContractError listing every problem unless `payload` fits the method's request (or response). */
export function checkPayload<M extends PoseMethod>(
  method: M,
  side: 'request' | 'response',
  payload: unknown,
): asserts payload is PoseRequest<M> {
  const entry = POSE_API[method];
  if (!entry) throw new ContractError(`unknown method ${String(method)}`, [{ path: '$', message: 'not in the API' }]);
  const issues = validate(entry[side] as Schema<unknown>, payload);
  if (issues.length) throw new ContractError(`${String(method)} ${side}`, issues);
}
