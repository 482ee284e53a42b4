import { clampToBounds } from '../../core/edit/diffChecks.ts';
import { moveJoint, movePerson, nextJointIndex, placeJoint } from '../../core/edit/poseEdits.ts';
import { isLabelled, type AnnotationState } from '../../core/edit/poseRecords.ts';
import { invertDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { acceptTriaged, type TriagedPrediction } from '../../core/review/predictionTriage.ts';
import { predictedPersonAt } from '../../core/review/predictionHit.ts';
import type { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageSession } from './imageSession.ts';
import { NO_MODS, type PointerHost, type PointerMods } from './pointerMachine.ts';
import type { Slice } from './slice.ts';
import { predictedKeyOf, type ViewState } from './viewState.ts';

export interface GestureParts {
  images: ImageSession;
  edits: EditSession;
  view: ViewState;
  annotation: Slice<ShownAnnotation | null>;
  commit(diff: RecordDiff, label: string): Promise<void>;
  /** The predicted persons the canvas shows (pending, at or above the threshold; none while hidden). */
  shownPredictions(): readonly TriagedPrediction[];
  newPersonId(i: number): string;
  /** Snap to peak and the person commands' pending clicks (renderer/editor/imageCorrections.ts). */
  corrections?: GestureCorrections;
}

/** What the gestures ask of the heatmap-assisted corrections. */
export interface GestureCorrections {
  /** The joint is dragged (or about to be placed) at `at`: where it would snap, drawn as a preview; null: no snap. */
  preview(joint: number, at: { x: number; y: number }, mods: PointerMods): { x: number; y: number } | null;
  /** The preview ends (drop, click, cancel): where it last snapped, or null. */
  endPreview(): { x: number; y: number } | null;
  /** A press on a joint that merge or split mode takes: true = taken. */
  pressJoint(personId: string, joint: number): boolean;
}

/** How near (screen px) a click must be to a predicted person's skeleton to select it. */
const PICK_RADIUS_PX = 10;

/**
 * What the canvas's gestures do to the open image (the PointerMachine's host): a drag is one batch of the image's
 * history — one undo step, saved when it ends, clamped to the joint bounds; a predicted person's joint dragged
 * accepts that person in the same step —, a click places the selected missing joint in place mode (then selects the
 * next missing one), selects the predicted person under it, or clears the selection; wheel and pan move the view.
 */
export class CanvasGestures implements PointerHost {
  private readonly p: GestureParts;
  private dragStart: AnnotationState | null = null;
  /** The accept a drag of a predicted joint began with (a cancelled drag takes it back). */
  private dragAccepted: RecordDiff | null = null;

  constructor(parts: GestureParts) {
    this.p = parts;
  }

  viewport() {
    return this.p.view.viewport.get();
  }
  jointAt(personId: string, joint: number): { x: number; y: number } | null {
    const key = predictedKeyOf(personId);
    if (key !== null) return this.predicted(key)?.pose.joints[joint] ?? null;
    return this.p.annotation.get()?.state.persons[personId]?.joints[joint] ?? null;
  }
  isPredicted(personId: string): boolean {
    return predictedKeyOf(personId) !== null;
  }
  clickPredicted(personId: string): void {
    const key = predictedKeyOf(personId);
    if (key !== null && this.predicted(key)) this.p.view.selectPrediction(key);
  }
  private predicted(key: string): TriagedPrediction | undefined {
    return this.p.shownPredictions().find((t) => t.key === key);
  }
  panBy(dx: number, dy: number): void {
    this.p.view.panBy(dx, dy);
  }
  zoom(sx: number, sy: number, factor: number): void {
    this.p.view.zoom(sx, sy, factor);
  }

  dragMoved(_personId: string, joint: number, at: { x: number; y: number }, mods: PointerMods): void {
    this.p.corrections?.preview(joint, at, mods);
  }
  /** Place mode: the joint about to be placed snaps as it would when clicked (the preview). */
  hover(x: number, y: number, mods: PointerMods): void {
    const c = this.p.corrections;
    if (!c) return;
    const k = this.placing();
    if (k === null) c.endPreview();
    else c.preview(k, { x, y }, mods);
  }
  pressJoint(personId: string, joint: number): boolean {
    return this.p.corrections?.pressJoint(personId, joint) ?? false;
  }
  /** The missing joint a click would place (place mode), or null. */
  private placing(): number | null {
    const a = this.p.annotation.get();
    const { selection: sel, placeMode } = this.p.view.selection.get();
    const person = sel.personId ? a?.state.persons[sel.personId] : undefined;
    return placeMode && person && sel.joint !== null && !isLabelled(person.joints[sel.joint]) ? sel.joint : null;
  }

  beginDrag(personId: string, joint: number): string | null {
    const a = this.p.annotation.get();
    if (!a) return null;
    const key = predictedKeyOf(personId);
    const t = key === null ? undefined : this.predicted(key);
    if (key !== null && !t) return null;
    this.p.edits.beginBatch(a.imageId);
    let id = personId;
    if (t) {
      // The predicted person becomes a person of the annotation, in the drag's own batch (one undo step).
      id = this.p.newPersonId(0);
      this.dragAccepted = acceptTriaged(a.state, [t], () => id);
      void this.p.edits.commit(a.imageId, this.dragAccepted, 'Drag a predicted joint (accepts its person)');
    }
    this.dragStart = this.p.annotation.get()!.state;
    this.p.view.select({ personId: id, joint });
    return id;
  }

  endDrag(personId: string, joint: number, dropped: { x: number; y: number } | null, whole = false): void {
    // Dropped while snapping: the joint lands on the refined peak the preview showed.
    const snapped = this.p.corrections?.endPreview() ?? null;
    const to = dropped && (snapped ?? dropped);
    const start = this.dragStart,
      accepted = this.dragAccepted,
      cur = this.p.images.current.get(),
      a = this.p.annotation.get();
    this.dragStart = null;
    this.dragAccepted = null;
    if (!start || !cur || !a) return;
    // A cancelled drag of a predicted joint takes its accept back: the batch then holds nothing.
    if (!to && accepted) void this.p.edits.commit(a.imageId, invertDiff(accepted), 'Cancel drag');
    const j = start.persons[personId]?.joints[joint];
    const at = to && clampToBounds(to.x, to.y, cur.row);
    // Made on the state the drag began on; the EditSession re-bases it onto the shown one (another writer's change
    // may have arrived meanwhile).
    if (j && at && Math.hypot(j.x - at.x, j.y - at.y) >= 1e-6) {
      const diff = whole
        ? movePerson(start, personId, at.x - j.x, at.y - j.y)
        : moveJoint(start, personId, joint, at.x, at.y);
      void this.p.edits.commit(a.imageId, diff, whole ? 'Move person' : 'Move joint');
    }
    this.p.images.forget(a.imageId);
    void this.p.edits.endBatch(a.imageId);
  }

  click(x: number, y: number, mods: PointerMods = NO_MODS): void {
    void this.clickImage(x, y, mods);
  }

  /** A click on the image (image px); resolves once a placed joint is saved. */
  async clickImage(x: number, y: number, mods: PointerMods = NO_MODS): Promise<void> {
    const a = this.p.annotation.get(),
      cur = this.p.images.current.get();
    const { selection: sel, placeMode } = this.p.view.selection.get();
    if (!a || !cur) return;
    const person = sel.personId ? a.state.persons[sel.personId] : undefined;
    if (!placeMode || !person || sel.joint === null || isLabelled(person.joints[sel.joint])) {
      const hit = predictedPersonAt(this.p.shownPredictions(), x, y, PICK_RADIUS_PX / this.viewport().scale);
      return hit ? this.p.view.selectPrediction(hit.key) : this.p.view.clearSelection();
    }
    const k = sel.joint;
    // While snapping, the joint is placed on the peak the preview showed.
    const c = this.p.corrections;
    c?.preview(k, { x, y }, mods);
    const snapped = c ? c.endPreview() : null;
    const at = clampToBounds(snapped?.x ?? x, snapped?.y ?? y, cur.row);
    const saved = this.p.commit(placeJoint(a.state, person.id, k, at.x, at.y), 'Place joint');
    const placed = this.p.annotation.get()?.state.persons[person.id];
    const next = placed ? nextJointIndex(placed, k, 1, true) : -1;
    this.p.view.select({ personId: person.id, joint: next < 0 ? k : next }, next >= 0);
    await saved;
  }
}
