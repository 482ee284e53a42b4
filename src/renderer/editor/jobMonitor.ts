import type { PoseEvent, PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';

export type ProjectInfo = PoseResponse<'projectInfo'>;

export interface JobState {
  jobId: string;
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  message?: string;
}

/**
 * Detection as the window follows it: the project's model and last run (`project`), and the job this window started
 * — or one another window started, while this one has none running — with its progress (`job`).
 */
export class JobMonitor {
  readonly job = new Slice<JobState | null>(null);
  readonly project = new Slice<ProjectInfo | null>(null);
  private readonly client: StudioClient;
  private readonly notices: Notices;
  private readonly finished: () => void;
  /** Jobs that ended before this window knew their id (a job with nothing to do ends before startDetect answers). */
  private readonly endedEarly = new Map<string, PoseEvent<'jobFinished'>>();

  /**
   * `finished`: a job of this window ended (its predictions and maps are new); `detected`: an image of the job this
   * window follows has its prediction stored (or failed), to be shown at once.
   */
  constructor(
    client: StudioClient,
    notices: Notices,
    finished: () => void,
    detected: (e: PoseEvent<'imageDetected'>) => void = () => undefined,
  ) {
    this.client = client;
    this.notices = notices;
    this.finished = finished;
    client.on('imageDetected', (e) => {
      const job = this.job.get();
      if (job?.jobId === e.jobId || job?.status !== 'running') detected(e);
    });
    client.on('jobProgress', (p) => {
      const job = this.job.get();
      if (job?.jobId === p.jobId || job?.status !== 'running') this.job.set({ ...p, status: 'running' });
    });
    client.on('jobFinished', (p) => {
      const job = this.job.get();
      if (job?.jobId === p.jobId) return this.end(job, p);
      this.endedEarly.set(p.jobId, p);
      if (this.endedEarly.size > 20) this.endedEarly.delete(this.endedEarly.keys().next().value!);
    });
  }

  private end(job: JobState, p: PoseEvent<'jobFinished'>): void {
    this.job.set({ ...job, status: p.status, message: p.message });
    void this.refreshProject();
    this.finished();
  }

  async refreshProject(): Promise<void> {
    const info = await this.notices.attempt('The project information did not load', () =>
      this.client.api.projectInfo({}),
    );
    if (info) this.project.set(info);
  }

  /**
   * Runs the project's model with the project's settings (Settings; the ones `simplepose detect` uses) over the
   * images without a prediction of theirs; `rerun`: a new run over every image (the earlier predictions stay).
   */
  async start(rerun = false): Promise<void> {
    const r = await this.notices.attempt('Detection did not start', () =>
      this.client.api.startDetect(rerun ? { rerun: true } : {}),
    );
    if (!r) return;
    const job: JobState = {
      jobId: r.jobId,
      done: 0,
      total: 0,
      failed: 0,
      imagesPerSecond: 0,
      etaSeconds: null,
      status: 'running',
    };
    this.job.set(job);
    const ended = this.endedEarly.get(r.jobId);
    if (ended) this.end(job, ended);
  }

  async cancel(): Promise<void> {
    const job = this.job.get();
    if (!job) return;
    const r = await this.notices.attempt('Cancelling the detection failed', () =>
      this.client.api.cancelJob({ jobId: job.jobId }),
    );
    if (r && !r.ok) this.notices.say('The detection had already stopped');
  }
}
