import { z } from 'zod';
import { Count, MessageText, NameText, PathText, RowId, Stats } from './apiPayloads.ts';

/** The network sizes a new model can have (training/train.py CONFIGS); fine-tuning keeps the current model's. */
export const TRAIN_SIZES = ['micro', 'tiny', 'small', 'official'] as const;

/** Where a Train job is (its `trainProgress` events). */
export const TrainStage = z.enum([
  'checking',
  'preparing',
  'training',
  'exporting',
  'registering',
  'done',
  'cancelled',
  'failed',
]);

/** A training of the project as listed (`resumable`: stopped before its end, its checkpoint there to resume from). */
export const TrainingInfo = z.strictObject({
  id: RowId,
  status: z.enum(['running', 'done', 'cancelled', 'failed']),
  baseModel: PathText.nullable(),
  step: Count,
  steps: Count.nullable(),
  trainImages: Count,
  valImages: Count,
  modelId: RowId.nullable(),
  message: MessageText.nullable(),
  createdAt: z.number(),
  resumable: z.boolean(),
});

/** A model's held-out numbers in the comparison (null stats: it could not be run, `error` says why). */
const ComparedModel = z.strictObject({
  modelId: RowId.nullable(),
  name: NameText,
  bundled: z.boolean(),
  inUse: z.boolean(),
  stats: Stats.nullable(),
  error: MessageText.optional(),
});

/** Where a model comparison is (its `compareProgress` events, its listed state). */
export const ComparisonStage = z.enum(['running', 'done', 'cancelled', 'failed']);

/** A comparison's outcome: the held-out set it ran on and each model's numbers on it. */
const ComparisonResult = z.strictObject({
  trainingId: RowId,
  heldOut: z.strictObject({ images: Count, persons: Count }),
  models: z.array(ComparedModel).max(200),
});

/**
 * A model comparison as kept in the project: how far it got (`done` of `total` held-out images × models), and its
 * result once done (`inUse` as the project's setup is now). One whose process ended before it did is `failed`.
 */
const ComparisonInfo = z.strictObject({
  id: RowId,
  trainingId: RowId,
  status: ComparisonStage,
  done: Count,
  total: Count,
  message: MessageText.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  result: ComparisonResult.nullable(),
});

/** The retraining loop's methods (issue 16), spread into POSE_API. */
export const TRAINING_API = {
  /**
   * Starts the Train job: the current model fine-tuned (`fromScratch`: a new model of `size`) on the project's
   * established ground truth (the GT export's images) with a validation split held out by image (fixed by `seed`),
   * for `steps` or `minutes`; the result exported, registered and put in use. A training stopped before its end
   * (cancelled, failed, the app killed) resumes from its checkpoint unless `resume` is false. 409 while one runs.
   */
  startTrain: {
    request: z.strictObject({
      steps: z.int().min(1).max(10_000_000).optional(),
      minutes: z
        .number()
        .positive()
        .max(7 * 24 * 60)
        .optional(),
      fromScratch: z.boolean().optional(),
      /**
       * Put the trained model in use for detection once it is registered. Default: no — it is registered and
       * compared, and the user chooses which model detects (a few steps can make a model worse).
       */
      use: z.boolean().optional(),
      size: z.enum(TRAIN_SIZES).optional(),
      resume: z.boolean().optional(),
      seed: z
        .int()
        .min(0)
        .max(2 ** 31 - 1)
        .optional(),
      valFraction: z.number().min(0.05).max(0.5).optional(),
      inputSize: z.int().min(128).max(1024).multipleOf(64).optional(),
      batch: z.int().min(2).max(256).optional(),
      threads: z.int().min(1).max(256).optional(),
    }),
    response: z.strictObject({ jobId: NameText, trainingId: RowId, resumed: z.boolean() }),
  },
  /** The project's trainings, newest first, and the running Train job's id (null: none). */
  listTrainings: {
    request: z.strictObject({}),
    response: z.strictObject({ trainings: z.array(TrainingInfo).max(100), runningJobId: NameText.nullable() }),
  },
  /**
   * Starts a job that runs every model of the project (the bundled one, the registered ones) on the same held-out
   * images — the validation split of training `trainingId` (default: the latest finished one) —, AP/AR with the
   * app's evaluator, each model's numbers computed once per held-out set and ground truth and kept. Progress comes
   * as `compareProgress` events, `cancelJob` stops it, the result is kept and listed (`listComparisons`). A request
   * while this service compares the same training joins that job; another training's is a 409.
   */
  compareModels: {
    request: z.strictObject({ trainingId: RowId.optional() }),
    response: z.strictObject({ jobId: NameText, comparisonId: RowId, trainingId: RowId }),
  },
  /** The project's model comparisons, newest first (with their results), and the one running here (its job id). */
  listComparisons: {
    request: z.strictObject({}),
    response: z.strictObject({
      comparisons: z.array(ComparisonInfo).max(50),
      runningJobId: NameText.nullable(),
    }),
  },
  /** Per reviewed image, which of two runs agrees better with the labels (mean OKS of the GT persons). */
  compareRuns: {
    request: z.strictObject({ runA: RowId, runB: RowId }),
    response: z.strictObject({
      images: z
        .array(
          z.strictObject({
            imageId: RowId,
            relPath: PathText,
            oksA: z.number().nullable(),
            oksB: z.number().nullable(),
            better: z.enum(['a', 'b', 'same']),
          }),
        )
        .max(100_000),
      summary: z.strictObject({ a: Count, b: Count, same: Count }),
    }),
  },
} as const;

/** The Train job's events. */
export const TRAINING_EVENTS = {
  /**
   * Progress of a Train job: its stage, the step of the steps planned, the step's training loss, the validation
   * loss and the validation AP (on the held-out images, the app's evaluator) when measured, the time left; at the
   * end `done` (the registered `modelId`), `cancelled` or `failed` (the message says why and whether it resumes).
   */
  trainProgress: z.strictObject({
    jobId: NameText,
    trainingId: RowId,
    stage: TrainStage,
    step: Count,
    steps: Count.nullable(),
    loss: z.number().optional(),
    valLoss: z.number().optional(),
    valAP: z.number().optional(),
    etaSeconds: z.number().nullable().optional(),
    message: MessageText,
    modelId: RowId.optional(),
  }),
  /**
   * Progress of a model comparison: `done` of `total` held-out images × models run, the model being run; at the
   * end `done` (the result is in `listComparisons`), `cancelled` or `failed` (the message says why).
   */
  compareProgress: z.strictObject({
    jobId: NameText,
    comparisonId: RowId,
    trainingId: RowId,
    stage: ComparisonStage,
    done: Count,
    total: Count,
    model: NameText.optional(),
    message: MessageText,
  }),
} as const;
