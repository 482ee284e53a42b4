import type { PoseEvent, PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';

export type TrainJob = Omit<PoseEvent<'trainProgress'>, 'loss' | 'valLoss' | 'valAP' | 'jobId'> & {
  jobId: string | null;
};
export type Comparison = NonNullable<PoseResponse<'listComparisons'>['comparisons'][number]['result']>;
/** A comparison running (`jobId` null until the server answered): how far it got. */
export type CompareJob = Omit<PoseEvent<'compareProgress'>, 'jobId' | 'comparisonId' | 'trainingId'> & {
  jobId: string | null;
  comparisonId: number | null;
};
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
  readonly comparing = new Slice<CompareJob | null>(null);
  private readonly client: StudioClient;
  private readonly notices: Notices;
  private readonly trained: () => void;

  constructor(client: StudioClient, notices: Notices, trained: () => void) {
    this.client = client;
    this.notices = notices;
    this.trained = trained;
    client.on('trainProgress', (e) => this.onProgress(e));
    client.on('compareProgress', (e) => this.onCompare(e));
  }

  /** A comparison's progress: the one this window started, or one another window started while this one runs none. */
  private onCompare(e: PoseEvent<'compareProgress'>): void {
    const cur = this.comparing.get();
    if (cur && cur.jobId !== null && cur.jobId !== e.jobId) return;
    const { jobId, comparisonId, trainingId: _, ...rest } = e;
    if (e.stage === 'running') {
      this.comparing.set({ ...rest, jobId, comparisonId });
      return;
    }
    this.comparing.set(null);
    if (e.stage === 'done') void this.loadComparison(comparisonId);
    else this.notices.say(`The models were not compared: ${e.message}`);
  }

  /**
   * The comparisons kept in the project: the latest result shown, a comparison running (in this server or app)
   * followed — what a window opened, or reopened, finds.
   */
  async loadComparison(id?: number): Promise<void> {
    const r = await this.notices.attempt('The model comparison did not load', () =>
      this.client.api.listComparisons({}),
    );
    if (!r) return;
    const latest = r.comparisons.find((x) => (id === undefined ? x.status === 'done' : x.id === id));
    if (latest?.result) this.comparison.set(latest.result);
    const running = r.comparisons.find((x) => x.status === 'running');
    if (id === undefined && running && r.runningJobId && !this.comparing.get())
      this.comparing.set({
        jobId: r.runningJobId,
        comparisonId: running.id,
        stage: 'running',
        done: running.done,
        total: running.total,
        message: 'comparing',
      });
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

  /**
   * The models side by side on the latest training's held-out images: a job on the server (each model run once
   * per held-out set and kept), its progress in `comparing`, its result in `comparison` when it is done.
   */
  async compare(): Promise<void> {
    if (this.comparing.get()) return;
    this.comparing.set({ jobId: null, comparisonId: null, stage: 'running', done: 0, total: 0, message: 'starting' });
    const r = await this.notices.attempt('The models were not compared', () => this.client.api.compareModels({}));
    const cur = this.comparing.get();
    if (!r) this.comparing.set(null);
    else if (cur && cur.jobId === null) this.comparing.set({ ...cur, jobId: r.jobId, comparisonId: r.comparisonId });
  }

  async cancelCompare(): Promise<void> {
    const job = this.comparing.get();
    if (job?.jobId)
      await this.notices.attempt('Cancelling the comparison failed', () =>
        this.client.api.cancelJob({ jobId: job.jobId! }),
      );
  }
}
