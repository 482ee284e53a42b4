import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PoseEvent } from '../../contract/poseApi.ts';
import type { CocoDataset } from '../../core/coco/cocoTypes.ts';
import { trainingRepository, type TrainingRecord } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { scoreModel, type HeldOutSet } from '../training/heldOutScore.ts';
import type { TrainerEvent } from '../training/trainProcess.ts';
import { readDetectSetup } from './detectSetup.ts';
import type { ServiceContext } from './projectService.ts';
import { registerTrainedModel } from './trainOutcome.ts';

type Emit = (e: Omit<PoseEvent<'trainProgress'>, 'jobId' | 'trainingId'>) => void;

/** How often the step reached is written to the project while training (the events go out every step). */
const PROGRESS_WRITE_MS = 1000;

/**
 * Follows a running trainer's events: the step reached and the split in the project, each step's loss out as a
 * `trainProgress` event, validation AP measured on the trainer's snapshots (`val.onnx`, one at a time, with the app's
 * own pipeline on the held-out images), and at the end the model measured, its card completed and registered.
 */
export class TrainWatch {
  step: number;
  steps: number | null;
  checkpointStep = 0;
  exported: string | null = null;
  failure: string | null = null;
  finalAP: number | null = null;
  /** A write of the training's state that failed (said once as an event), or null. */
  recordProblem: string | null = null;
  private heldOut: HeldOutSet | null = null;
  private scoring: Promise<void> | null = null;
  private written = 0;
  private readonly c: ServiceContext;
  private readonly t: TrainingRecord;
  private readonly outDir: string;
  private readonly signal: AbortSignal;
  private readonly emit: Emit;

  constructor(c: ServiceContext, t: TrainingRecord, outDir: string, signal: AbortSignal, emit: Emit) {
    this.c = c;
    this.t = t;
    this.outDir = outDir;
    this.signal = signal;
    this.emit = emit;
    this.step = t.step;
    this.steps = t.steps;
  }

  onEvent(e: TrainerEvent): void {
    const base = { stage: 'training' as const };
    if (e.event === 'start') {
      this.step = e.step;
      this.steps = e.steps;
      this.recordSplit();
      this.recordExported(null); // training again: an earlier export is not its result any more
      const how = e.step > 0 ? `resumed at step ${e.step}` : 'started';
      this.emit({ ...base, step: e.step, steps: e.steps, message: `training ${how} on ${e.device ?? 'cpu'}` });
      this.progress(true);
    } else if (e.event === 'progress') {
      this.step = e.step;
      this.steps = e.steps;
      const message = `step ${e.step} of ${e.steps}`;
      this.emit({
        ...base,
        step: e.step,
        steps: e.steps,
        loss: e.step_loss ?? e.loss,
        etaSeconds: e.eta_s ?? null,
        message,
      });
      this.progress(false);
    } else if (e.event === 'val') {
      this.emit({
        ...base,
        step: e.step,
        steps: this.steps,
        valLoss: e.val_loss,
        message: `validation loss at step ${e.step}`,
      });
      if (e.onnx && !this.scoring) this.scoreSnapshot(e.onnx, e.step);
    } else if (e.event === 'checkpoint' || e.event === 'cancelled') {
      this.checkpointStep = e.step;
      this.progress(true);
    } else if (e.event === 'exported') {
      this.exported = e.onnx;
      this.recordExported(e.onnx);
      this.emit({ stage: 'exporting', step: e.step, steps: this.steps, message: 'exported the model to ONNX' });
    } else if (e.event === 'failed') this.failure = e.message;
  }

  /** Waits for a validation AP still being measured. */
  async settled(): Promise<void> {
    await this.scoring;
  }

  /** The exported model measured on the held-out images, its card completed, registered (and put in use: `use`). */
  async register(onnx: string, use: boolean): Promise<{ modelId: number; name: string }> {
    this.emit({
      stage: 'registering',
      step: this.step,
      steps: this.steps,
      message: 'measuring the model on the held-out images',
    });
    const heldOut = this.heldOutSet();
    const { stats, failed } = await scoreModel(onnx, heldOut, readDetectSetup(this.c.db).settings, this.signal);
    this.finalAP = stats.AP;
    this.emit({
      stage: 'registering',
      step: this.step,
      steps: this.steps,
      valAP: stats.AP,
      message: 'registering the model',
    });
    return registerTrainedModel(this.c.db, this.c.root, this.c.setup.bundledModel, onnx, use, {
      trainingId: this.t.id,
      seed: this.t.options.seed,
      baseModel: this.t.baseModel,
      heldOut,
      stats,
      failed,
    });
  }

  private heldOutSet(): HeldOutSet {
    if (!this.heldOut) {
      const gt = JSON.parse(readFileSync(path.join(this.outDir, 'val.json'), 'utf8')) as CocoDataset;
      this.heldOut = { gt, imagePath: (f) => this.c.files.resolve(f) };
    }
    return this.heldOut;
  }

  private scoreSnapshot(onnx: string, step: number): void {
    this.scoring = scoreModel(onnx, this.heldOutSet(), readDetectSetup(this.c.db).settings, this.signal)
      .then(({ stats }) =>
        this.emit({
          stage: 'training',
          step,
          steps: this.steps,
          valAP: stats.AP,
          message: `validation AP at step ${step}`,
        }),
      )
      .catch(() => undefined) // a snapshot that does not run is skipped; the final model is measured for sure
      .finally(() => {
        this.scoring = null;
      });
  }

  /** The trainer's finished model in the project (a kill before it is registered: Train registers it, no more). */
  private recordExported(onnx: string | null): void {
    const file = onnx && path.relative(this.c.root, path.resolve(this.outDir, onnx));
    this.record('the trained model', () => trainingRepository(this.c.db).setExported(this.t.id, file, Date.now()));
  }

  /**
   * One write of the training's state into the project. It runs inside the trainer's output handler, where a throw
   * would take the whole app down (a full disk, a lock held past its time): a write that fails is said once, and
   * the training goes on — its row catches up at the next write, the end says what failed.
   */
  private record(what: string, write: () => void): void {
    try {
      writeTransaction(this.c.db, `recording ${what}`, write);
    } catch (e) {
      if (this.recordProblem) return;
      this.recordProblem = `${what} could not be recorded in the project (${(e as Error).message}); training goes on`;
      this.emit({ stage: 'training', step: this.step, steps: this.steps, message: this.recordProblem });
    }
  }

  private recordSplit(): void {
    try {
      const split = JSON.parse(readFileSync(path.join(this.outDir, 'split.json'), 'utf8'));
      this.record('the training split', () => trainingRepository(this.c.db).setSplit(this.t.id, split, Date.now()));
    } catch {
      // the trainer writes split.json before it starts; without it the card still names the images
    }
  }

  private progress(force: boolean): void {
    if (!force && Date.now() - this.written < PROGRESS_WRITE_MS) return;
    this.written = Date.now();
    this.record('the training progress', () =>
      trainingRepository(this.c.db).progress(this.t.id, this.step, this.steps, Date.now()),
    );
  }
}
