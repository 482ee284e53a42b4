import type { PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';
import type { DetectPrefs } from './viewPrefs.ts';

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

  /** `finished`: a job of this window ended (its predictions and maps are new). */
  constructor(client: StudioClient, notices: Notices, finished: () => void) {
    this.client = client;
    this.notices = notices;
    client.on('jobProgress', (p) => {
      const job = this.job.get();
      if (job?.jobId === p.jobId || job?.status !== 'running') this.job.set({ ...p, status: 'running' });
    });
    client.on('jobFinished', (p) => {
      const job = this.job.get();
      if (job?.jobId !== p.jobId) return;
      this.job.set({ ...job, status: p.status, message: p.message });
      void this.refreshProject();
      finished();
    });
  }

  async refreshProject(): Promise<void> {
    const info = await this.notices.attempt('The project information did not load', () =>
      this.client.api.projectInfo({}),
    );
    if (info) this.project.set(info);
  }

  /** Runs the chosen model (the settings' one, else the project's default) over the images without its results. */
  async start(prefs: DetectPrefs): Promise<void> {
    const modelPath = prefs.modelPath || this.project.get()?.model?.path;
    if (!modelPath) {
      this.notices.say('Detection did not start: no model (choose an ONNX model in the settings)');
      return;
    }
    const { scales, flip, mode } = prefs;
    const r = await this.notices.attempt('Detection did not start', () =>
      this.client.api.startDetect({ modelPath, settings: { scales, flip, mode } }),
    );
    if (r)
      this.job.set({
        jobId: r.jobId,
        done: 0,
        total: 0,
        failed: 0,
        imagesPerSecond: 0,
        etaSeconds: null,
        status: 'running',
      });
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
