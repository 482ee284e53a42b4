import { clampToBounds } from '../../core/edit/diffChecks.ts';
import { moveJoint, nextJointIndex, placeJoint } from '../../core/edit/poseEdits.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageSession } from './imageSession.ts';
import type { PointerHost } from './pointerMachine.ts';
import type { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

export interface GestureParts {
  images: ImageSession;
  edits: EditSession;
  view: ViewState;
  annotation: Slice<ShownAnnotation | null>;
  commit(diff: RecordDiff, label: string): Promise<void>;
}

/**
 * What the canvas's gestures do to the open image (the PointerMachine's host): a drag is one batch of the image's
 * history — one undo step, saved when it ends, clamped to the joint bounds —, a click places the selected missing
 * joint in place mode (then selects the next missing one) or clears the selection, wheel and pan move the view.
 */
export class CanvasGestures implements PointerHost {
  private readonly p: GestureParts;
  private dragStart: AnnotationState | null = null;

  constructor(parts: GestureParts) {
    this.p = parts;
  }

  viewport() {
    return this.p.view.viewport.get();
  }
  jointAt(personId: string, joint: number): { x: number; y: number } | null {
    return this.p.annotation.get()?.state.persons[personId]?.joints[joint] ?? null;
  }
  panBy(dx: number, dy: number): void {
    this.p.view.panBy(dx, dy);
  }
  zoom(sx: number, sy: number, factor: number): void {
    this.p.view.zoom(sx, sy, factor);
  }

  beginDrag(personId: string, joint: number): void {
    const a = this.p.annotation.get();
    if (!a) return;
    this.dragStart = a.state;
    this.p.edits.beginBatch(a.imageId);
    this.p.view.select({ personId, joint });
  }

  endDrag(personId: string, joint: number, to: { x: number; y: number } | null): void {
    const start = this.dragStart,
      cur = this.p.images.current.get(),
      a = this.p.annotation.get();
    this.dragStart = null;
    if (!start || !cur || !a) return;
    const j = start.persons[personId]?.joints[joint];
    const at = to && clampToBounds(to.x, to.y, cur.row);
    // Made on the state the drag began on; the EditSession re-bases it onto the shown one (another writer's change
    // may have arrived meanwhile).
    if (j && at && Math.hypot(j.x - at.x, j.y - at.y) >= 1e-6)
      void this.p.edits.commit(a.imageId, moveJoint(start, personId, joint, at.x, at.y), 'Move joint');
    this.p.images.forget(a.imageId);
    void this.p.edits.endBatch(a.imageId);
  }

  click(x: number, y: number): void {
    void this.clickImage(x, y);
  }

  /** A click on the image (image px); resolves once a placed joint is saved. */
  async clickImage(x: number, y: number): Promise<void> {
    const a = this.p.annotation.get(),
      cur = this.p.images.current.get();
    const { selection: sel, placeMode } = this.p.view.selection.get();
    if (!a || !cur) return;
    const person = sel.personId ? a.state.persons[sel.personId] : undefined;
    if (!placeMode || !person || sel.joint === null || person.joints[sel.joint] !== null)
      return this.p.view.clearSelection();
    const k = sel.joint;
    const at = clampToBounds(x, y, cur.row);
    const saved = this.p.commit(placeJoint(a.state, person.id, k, at.x, at.y), 'Place joint');
    const placed = this.p.annotation.get()?.state.persons[person.id];
    const next = placed ? nextJointIndex(placed, k, 1, true) : -1;
    this.p.view.select({ personId: person.id, joint: next < 0 ? k : next }, next >= 0);
    await saved;
  }
}
