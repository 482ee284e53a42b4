import type { PoseResponse } from '../../contract/poseApi.ts';
import { DEFAULT_PERSON_SCORE_THRESHOLD } from '../../core/review/personScoreThreshold.ts';
import type { StudioClient } from '../api/studioClient.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';

export type ReviewSettingsValue = PoseResponse<'getReviewSettings'>;

/**
 * The project's review settings as this window uses them: the person score threshold below which predicted
 * persons are hidden (canvas, counts, "accept predictions"). It is the project's, kept in its database, so every
 * window and later session uses the same; until it has loaded the app's default applies.
 */
export class ReviewSettings {
  readonly settings = new Slice<ReviewSettingsValue>({
    personScoreThreshold: DEFAULT_PERSON_SCORE_THRESHOLD,
    isDefault: true,
  });
  private readonly client: StudioClient;
  private readonly notices: Notices;
  private seq = 0;

  constructor(client: StudioClient, notices: Notices) {
    this.client = client;
    this.notices = notices;
    // another window (or, in a team project, another person) changed them: this window follows
    client.on('reviewSettingsChanged', (r) => {
      this.seq++;
      this.settings.set(r);
    });
  }

  threshold(): number {
    return this.settings.get().personScoreThreshold;
  }

  async load(): Promise<void> {
    const seq = this.seq;
    const r = await this.notices.attempt('The review settings did not load', () =>
      this.client.api.getReviewSettings({}),
    );
    if (r && seq === this.seq) this.settings.set(r);
  }

  /**
   * Sets the threshold (null: the app's default). Shown at once; saved for the project; a refusal is said and the
   * saved value comes back.
   */
  async setThreshold(value: number | null): Promise<void> {
    const seq = ++this.seq;
    this.settings.set({ personScoreThreshold: value ?? DEFAULT_PERSON_SCORE_THRESHOLD, isDefault: value === null });
    const r = await this.notices.attempt('The score threshold was not saved', () =>
      this.client.api.setReviewSettings({ personScoreThreshold: value }),
    );
    if (seq !== this.seq) return; // a later change is on its way
    if (r) this.settings.set(r);
    else await this.load();
  }
}
