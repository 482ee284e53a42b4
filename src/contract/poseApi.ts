import { z } from 'zod';
import {
  Count,
  DetectSettings,
  DetectSetup,
  EvaluationPayload,
  AnnotationViewSchema,
  EditStep,
  HistoryEntrySchema,
  ImageRow,
  ImageStatus,
  MessageText,
  NameText,
  PathText,
  PoseSchema,
  Revision,
  RowId,
} from './apiPayloads.ts';
import { PRESENCE_API, PRESENCE_EVENTS } from './presenceApi.ts';
import { REVIEW_SETTINGS_API, REVIEW_SETTINGS_EVENTS } from './reviewSettingsApi.ts';
import { TRAINING_API, TRAINING_EVENTS } from './trainingApi.ts';

/** The most entries one getEditHistory answers with (an editor pages older ones in as it undoes). */
export const EDIT_HISTORY_READ_MAX = 200;

/** A method of the API: the schema of its request and of its response. */
export interface MethodSchemas {
  request: z.ZodType;
  response: z.ZodType;
}

/**
 * The API, defined once: every method with its request and response schema, the one declaration of each payload
 * (the TypeScript types below are derived from it). The dispatcher (dispatch.ts) validates both sides for the HTTP
 * adapter and the Electron IPC adapter; the preload bridge and both renderer clients are generated from this table
 * and the routes of apiRoutes.ts.
 */
export const POSE_API = {
  projectInfo: {
    request: z.strictObject({}),
    response: z.strictObject({
      root: PathText,
      name: PathText,
      images: Count,
      counts: z.partialRecord(ImageStatus, Count),
      /** The model detection runs with by default (the bundled one unless the user picked another). */
      model: z.strictObject({ path: PathText, name: PathText, exists: z.boolean() }).nullable(),
      lastRun: z
        .strictObject({ id: RowId, status: NameText, provider: NameText.nullable(), predictions: Count })
        .nullable(),
    }),
  },
  listImages: {
    /**
     * `ids`: just these images, in this order (a review queue page); the other filters still apply. `positionOf`:
     * also say where this image is in the filtered list (`position`: its index, null when the filter leaves it out).
     */
    request: z.strictObject({
      status: ImageStatus.optional(),
      offset: Count.optional(),
      limit: RowId.optional(),
      minScore: z.number().optional(),
      maxScore: z.number().optional(),
      ids: z.array(RowId).max(2000).optional(),
      positionOf: RowId.optional(),
    }),
    response: z.strictObject({ total: Count, images: z.array(ImageRow), position: Count.nullable().optional() }),
  },
  ...REVIEW_SETTINGS_API,
  /**
   * The model's poses for an image (its latest run) and whether that run's maps are cached; the maps themselves
   * are binary (GET /maps/<imageId> over HTTP, the media protocol in Electron), float16 .npy: for a one-pass run
   * [50, h, w], the pass flip-averaged, placed over the image by mapPlacement(width, height, multiplier); for a
   * several-pass run (`passes`) one flat array: that overlay pass (the passes combined as the decoder combines them,
   * `shape`, on the finest pass's grid), then each pass flip-averaged (`passes[i].shape`), the decoder's input.
   */
  getPredictions: {
    request: z.strictObject({ imageId: RowId }),
    response: z.strictObject({
      runId: RowId.nullable(),
      poses: z.array(PoseSchema),
      maps: z
        .strictObject({
          multiplier: z.number(),
          shape: z.array(z.int().min(1)).length(3),
          passes: z
            .array(z.strictObject({ multiplier: z.number(), shape: z.array(z.int().min(1)).length(3) }))
            .min(2)
            .optional(),
        })
        .nullable(),
    }),
  },
  /** The annotation with the part of its history around the cursor (older entries: getEditHistory). */
  getAnnotation: {
    request: z.strictObject({ imageId: RowId }),
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
    request: z.strictObject({ imageId: RowId, revision: Revision, steps: z.array(EditStep).min(1).max(50) }),
    response: z.strictObject({
      revision: Revision,
      cursor: Count,
      length: Count,
      current: AnnotationViewSchema.optional(),
    }),
  },
  /** Entries `from`..`to` (at most EDIT_HISTORY_READ_MAX) of the history as it is at `revision`; 409 with the current annotation if stale. */
  getEditHistory: {
    request: z.strictObject({ imageId: RowId, revision: Revision, from: RowId, to: RowId }),
    response: z.strictObject({ entries: z.array(HistoryEntrySchema).max(EDIT_HISTORY_READ_MAX) }),
  },
  /** `ifStatus`: change only an image that has this status now; `status` in the answer: the image's status after. */
  setStatus: {
    request: z.strictObject({ imageId: RowId, status: ImageStatus, ifStatus: ImageStatus.optional() }),
    response: z.strictObject({ ok: z.literal(true), status: ImageStatus }),
  },
  startDetect: {
    /**
     * Completes this model's run with these settings (only images without its prediction); `rerun`: a new run over
     * every image. `imageTimeLimitSeconds`: past it an image fails alone (default: the engine's, 10 minutes).
     */
    request: z.strictObject({
      /** Default: the project's model and settings (getDetectSetup), as `simplepose detect` uses them. */
      modelPath: PathText.optional(),
      settings: DetectSettings.optional(),
      rerun: z.boolean().optional(),
      imageTimeLimitSeconds: z.number().optional(),
    }),
    response: z.strictObject({ jobId: NameText }),
  },
  cancelJob: { request: z.strictObject({ jobId: NameText }), response: z.strictObject({ ok: z.boolean() }) },
  exportCoco: {
    /**
     * `path`: in web mode a file inside the exchange folder; in Electron only the dialog's suggestion. Which images
     * (cocoExchange.ts `ExportOptions`): by default those whose ground truth is established (accepted, "no person",
     * imported with their annotations and not rejected); `onlyReviewed`: accepted and "no person" only; `all`:
     * every image, each with its review status recorded. A results export takes the same
     * images, so that the pair evaluates.
     */
    request: z.strictObject({
      path: PathText,
      onlyReviewed: z.boolean(),
      all: z.boolean().optional(),
      kind: z.enum(['gt', 'results']),
    }),
    /**
     * `path`: the file written (in Electron, the one chosen in the save dialog); `emptyPersons`: persons left out
     * because they have no labelled joint and no box (never exported).
     */
    response: z.strictObject({
      images: Count,
      annotations: Count,
      path: PathText.optional(),
      emptyPersons: Count.optional(),
      /** Images a GT export left out because they wait for a look (their file changed size), and why. */
      leftOut: z.array(z.strictObject({ fileName: PathText, reason: z.string().max(1000) })).optional(),
    }),
  },
  importCoco: {
    request: z.strictObject({ path: PathText }),
    /** `images`, `persons`: in the file; `changes`: what the import changed (all 0 but imagesUnchanged: nothing). */
    response: z.strictObject({
      images: Count,
      persons: Count,
      missingFiles: z.array(PathText),
      changes: z.strictObject({
        imagesAdded: Count,
        imagesUpdated: Count,
        imagesUnchanged: Count,
        personsAdded: Count,
        personsUpdated: Count,
        personsRemoved: Count,
        datasetUpdated: z.boolean(),
        personsKept: Count,
      }),
      /** Persons the file would change or remove that were edited (or made) in the project since: kept as they are. */
      kept: z.array(
        z.strictObject({ fileName: PathText, personId: NameText, why: z.enum(['edited', 'made in the project']) }),
      ),
      /** Accepted images whose ground truth the import changed: set back to in_progress. */
      reopened: z.array(PathText),
    }),
  },
  reviewQueue: {
    request: z.strictObject({
      by: z.enum(['uncertainty', 'hardness']),
      runId: RowId.optional(),
      status: ImageStatus.optional(),
    }),
    response: z.strictObject({ images: z.array(z.strictObject({ imageId: RowId, key: z.number() })) }),
  },
  /**
   * A run's predictions (default: the latest finished run) against the reviewed images, with the core's
   * pycocotools-exact evaluator: the overall numbers, each image's AP, AR and mean OKS, the precision–recall curve
   * and each joint's error; `runs`: the runs to choose from.
   */
  evaluate: {
    request: z.strictObject({ runId: RowId.optional() }),
    response: EvaluationPayload,
  },
  getDetectSetup: { request: z.strictObject({}), response: DetectSetup },
  /**
   * Changes the project's detection settings and model: `modelId` a registered model (null: the bundled one;
   * omitted: unchanged), or `modelPath` an ONNX file with its card to register (checked: it exists, its card reads).
   */
  setDetectSetup: {
    request: z.strictObject({
      settings: DetectSettings,
      modelId: RowId.nullable().optional(),
      modelPath: PathText.optional(),
    }),
    response: DetectSetup,
  },
  /**
   * Imports a PyTorch checkpoint of the official IMHN family (.pth; in web mode a file inside the exchange folder,
   * in Electron the one chosen in the open dialog) as a job: the project's exporter (python -m training.export)
   * writes the ONNX model and its card into the project, the model is test-run, registered and put in use.
   * Progress and the outcome come as `modelImport` events; a missing Python or PyTorch is named in the failure.
   */
  importModel: {
    request: z.strictObject({ checkpoint: PathText, name: NameText.optional() }),
    response: z.strictObject({ jobId: NameText }),
  },
  /** Files the app could not use: unreadable at the folder scan, or failed in detection (with the reason). */
  listProblems: {
    request: z.strictObject({}),
    response: z.strictObject({
      files: z
        .array(z.strictObject({ relPath: PathText, reason: MessageText, stage: z.enum(['scan', 'detection']) }))
        .max(10_000),
    }),
  },
  ...PRESENCE_API,
  ...TRAINING_API,
} as const satisfies Record<string, MethodSchemas>;

/** Events pushed to clients (server-sent events over HTTP, IPC messages in Electron). */
export const POSE_EVENTS = {
  jobProgress: z.strictObject({
    jobId: NameText,
    done: Count,
    total: Count,
    failed: Count,
    imagesPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  jobFinished: z.strictObject({
    jobId: NameText,
    status: z.enum(['done', 'cancelled', 'failed']),
    message: MessageText.optional(),
  }),
  /** `by`: who saved it, in a team project (left out for one's own change and in a local project). */
  annotationChanged: z.strictObject({ imageId: RowId, revision: Revision, by: NameText.optional() }),
  ...PRESENCE_EVENTS,
  ...REVIEW_SETTINGS_EVENTS,
  /** An image of a running detection is done: its prediction is stored (`score`: mean person score), or `error`. */
  imageDetected: z.strictObject({
    jobId: NameText,
    runId: RowId,
    imageId: RowId,
    persons: Count,
    score: z.number().nullable(),
    error: MessageText.optional(),
  }),
  /** A checkpoint import's progress (`fraction` 0…1) and its end: done (`modelId`), failed or cancelled. */
  modelImport: z.strictObject({
    jobId: NameText,
    stage: z.enum(['checking', 'loading', 'exporting', 'verifying', 'done', 'failed', 'cancelled']),
    fraction: z.number(),
    message: MessageText,
    modelId: RowId.optional(),
  }),
  ...TRAINING_EVENTS,
} as const satisfies Record<string, z.ZodType>;

export type PoseMethod = keyof typeof POSE_API;
export type PoseRequest<M extends PoseMethod> = z.output<(typeof POSE_API)[M]['request']>;
export type PoseResponse<M extends PoseMethod> = z.output<(typeof POSE_API)[M]['response']>;
/** The one API type both transports implement. */
export type PoseApi = { [M in PoseMethod]: (request: PoseRequest<M>) => Promise<PoseResponse<M>> };
export type PoseEventName = keyof typeof POSE_EVENTS;
export type PoseEvent<E extends PoseEventName> = z.output<(typeof POSE_EVENTS)[E]>;

export const isPoseMethod = (m: unknown): m is PoseMethod => typeof m === 'string' && Object.hasOwn(POSE_API, m);
export const isPoseEvent = (e: unknown): e is PoseEventName => typeof e === 'string' && Object.hasOwn(POSE_EVENTS, e);
