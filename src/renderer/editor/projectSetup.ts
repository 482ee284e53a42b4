import type { PoseEvent, PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';

export type DetectSetup = PoseResponse<'getDetectSetup'>;
export type ProblemFile = PoseResponse<'listProblems'>['files'][number];
export type ImportState = Omit<PoseEvent<'modelImport'>, 'jobId'> & { jobId: string | null; checkpoint: string };

/**
 * The project's detection setup as the window shows it — the settings and model "Run detection" uses (kept in the
 * project, the same ones `simplepose detect` uses), the models to choose from, how many images lack a prediction —,
 * the files the app could not use, and a checkpoint import in progress.
 */
export class ProjectSetup {
  readonly setup = new Slice<DetectSetup | null>(null);
  readonly problems = new Slice<ProblemFile[]>([]);
  readonly importJob = new Slice<ImportState | null>(null);
  private readonly client: StudioClient;
  private readonly notices: Notices;

  constructor(client: StudioClient, notices: Notices) {
    this.client = client;
    this.notices = notices;
    client.on('modelImport', (e) => {
      const cur = this.importJob.get();
      // Events of the import this window started (its id may not be known yet when the first one arrives).
      if (!cur || (cur.jobId !== null && cur.jobId !== e.jobId)) return;
      this.importJob.set({ ...cur, ...e });
      if (e.stage === 'done') void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    const [s, p] = await Promise.all([
      this.notices.attempt('The detection settings did not load', () => this.client.api.getDetectSetup({})),
      this.notices.attempt('The list of unreadable files did not load', () => this.client.api.listProblems({})),
    ]);
    if (s) this.setup.set(s);
    if (p) this.problems.set(p.files);
  }

  async refreshProblems(): Promise<void> {
    const p = await this.notices.attempt('The list of unreadable files did not load', () =>
      this.client.api.listProblems({}),
    );
    if (p) this.problems.set(p.files);
  }

  /** Saves settings and model in the project; resolves true when saved (a refusal is reported and kept open). */
  async save(request: PoseRequest<'setDetectSetup'>): Promise<boolean> {
    const s = await this.notices.attempt('The detection settings were not saved', () =>
      this.client.api.setDetectSetup(request),
    );
    if (s) this.setup.set(s);
    return s !== undefined;
  }

  async importCheckpoint(checkpoint: string): Promise<void> {
    this.importJob.set({ jobId: null, checkpoint, stage: 'checking', fraction: 0, message: 'starting the import' });
    const r = await this.notices.attempt('The checkpoint import did not start', () =>
      this.client.api.importModel({ checkpoint }),
    );
    if (!r) {
      this.importJob.set({
        jobId: null,
        checkpoint,
        stage: 'failed',
        fraction: 0,
        message: this.notices.message.get() ?? 'the import did not start',
      });
      return;
    }
    const cur = this.importJob.get();
    if (cur && cur.jobId === null) this.importJob.set({ ...cur, jobId: r.jobId });
  }

  async cancelImport(): Promise<void> {
    const job = this.importJob.get();
    if (job?.jobId)
      await this.notices.attempt('Cancelling the import failed', () =>
        this.client.api.cancelJob({ jobId: job.jobId! }),
      );
  }
}
