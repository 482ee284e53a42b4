import type { PoseEvent, PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';

export type TrainJob = Omit<PoseEvent<'trainProgress'>, 'loss' | 'valLoss' | 'valAP' | 'jobId'> & {
  jobId: string | null;
};
export type Comparison = PoseResponse<'compareModels'>;
export type TrainingRow = PoseResponse<'listTrainings'>['trainings'][number];

/** One point of the live plot: a step with whatever was measured at it. */
export interface TrainPoint {
  step: number;
  loss?: number;
  valLoss?: number;
  valAP?: number;
}

/** Keeps the plot bounded on long runs: beyond this many points every other training-loss point is dropped. */
const MAX_POINTS = 2000;

/**
 * The Train panel's state: the job this window follows (its stage, steps, message) and its measurements for the
 * live plot (training loss per step, validation loss and AP when measured), the project's trainings, and the
 * comparison of its models on the held-out images.
 */
export class TrainingMonitor {
  readonly job = new Slice<TrainJob | null>(null);
  readonly points = new Slice<TrainPoint[]>([]);
  readonly trainings = new Slice<TrainingRow[]>([]);
  readonly comparison = new Slice<Comparison | null>(null);
  readonly comparing = new Slice(false);
  private readonly client: StudioClient;
  private readonly notices: Notices;
  private readonly trained: () => void;

  constructor(client: StudioClient, notices: Notices, trained: () => void) {
    this.client = client;
    this.notices = notices;
    this.trained = trained;
    client.on('trainProgress', (e) => this.onProgress(e));
  }

  private onProgress(e: PoseEvent<'trainProgress'>): void {
    const cur = this.job.get();
    // Events of the job this window follows (its id may not be known yet when the first one arrives), or of one
    // another window (or the CLI) started while this one follows none.
    if (cur && cur.jobId !== null && cur.jobId !== e.jobId) return;
    const { loss, valLoss, valAP, ...rest } = e;
    this.job.set({ ...rest });
    if (loss !== undefined || valLoss !== undefined || valAP !== undefined)
      this.add({ step: e.step, loss, valLoss, valAP });
    if (e.stage === 'done' || e.stage === 'failed' || e.stage === 'cancelled') {
      void this.refresh();
      if (e.stage === 'done') {
        this.trained();
        void this.compare();
      }
    }
  }

  private add(p: TrainPoint): void {
    let pts = [
      ...this.points.get(),
      Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as TrainPoint,
    ];
    if (pts.length > MAX_POINTS) pts = pts.filter((q, i) => i % 2 === 0 || q.loss === undefined);
    this.points.set(pts);
  }

  async refresh(): Promise<void> {
    const r = await this.notices.attempt('The trainings did not load', () => this.client.api.listTrainings({}));
    if (r) this.trainings.set(r.trainings);
  }

  async start(request: PoseRequest<'startTrain'>): Promise<void> {
    this.points.set([]);
    this.job.set({
      jobId: null,
      trainingId: 1,
      stage: 'checking',
      step: 0,
      steps: request.steps ?? null,
      message: 'starting',
    });
    const r = await this.notices.attempt('Training did not start', () => this.client.api.startTrain(request));
    if (!r) {
      this.job.set(null);
      return;
    }
    const cur = this.job.get();
    this.job.set({
      ...(cur ?? { stage: 'checking', step: 0, steps: null, message: 'starting' }),
      jobId: r.jobId,
      trainingId: r.trainingId,
    });
  }

  async cancel(): Promise<void> {
    const job = this.job.get();
    if (job?.jobId)
      await this.notices.attempt('Cancelling the training failed', () =>
        this.client.api.cancelJob({ jobId: job.jobId! }),
      );
  }

  /** The models side by side on the latest training's held-out images (each model run once per held-out set). */
  async compare(): Promise<void> {
    this.comparing.set(true);
    try {
      const r = await this.notices.attempt('The models were not compared', () => this.client.api.compareModels({}));
      if (r) this.comparison.set(r);
    } finally {
      this.comparing.set(false);
    }
  }
}
