import { triagePredictions, type Triage, type TriagedPrediction } from '../../core/review/predictionTriage.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageSession } from './imageSession.ts';
import type { ReviewSettings } from './reviewSettings.ts';
import { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

/**
 * The open image's predictions as triaged at the project's score threshold (core/review/predictionTriage.ts),
 * kept current as the annotation, the predictions and the threshold change; a selected prediction that is no longer
 * pending (accepted, rejected, hidden by a higher threshold) is unselected.
 */
export class ImageTriage {
  readonly triage = new Slice<Triage | null>(null);
  private readonly p: {
    annotation: Slice<ShownAnnotation | null>;
    images: ImageSession;
    view: ViewState;
    settings: ReviewSettings;
  };

  constructor(parts: ImageTriage['p']) {
    this.p = parts;
    const again = () => this.update();
    parts.annotation.subscribe(again);
    parts.images.current.subscribe(again);
    parts.settings.settings.subscribe(again);
  }

  /** The predicted persons the canvas shows: the pending ones, none while the reviewer hides predictions. */
  shown(): readonly TriagedPrediction[] {
    return this.p.view.triage.get().showPredictions ? (this.triage.get()?.pending ?? []) : [];
  }

  private update(): void {
    const a = this.p.annotation.get(),
      cur = this.p.images.current.get();
    const t =
      a && cur && a.imageId === cur.row.id
        ? triagePredictions(a.state, cur.predictions, this.p.settings.threshold())
        : null;
    this.triage.set(t);
    const key = this.p.view.selection.get().prediction;
    if (key !== null && !t?.pending.some((x) => x.key === key)) this.p.view.selectPrediction(null);
  }
}
