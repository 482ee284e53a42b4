import { screenToImage, wheelZoomFactor, type Viewport } from '../../core/geometry/viewport.ts';
import { Slice } from './slice.ts';

/** What the pointer acts on (the engine): positions in image px unless named screen. */
export interface PointerHost {
  viewport(): Viewport;
  /** Where a joint of the annotation (or of a predicted person) is, when it may be dragged (null: no such joint). */
  jointAt(personId: string, joint: number): { x: number; y: number } | null;
  /**
   * A drag of the joint begins; returns the person dragged from now on (a predicted person is accepted first and
   * becomes a person of the annotation), or null when it cannot be dragged.
   */
  beginDrag(personId: string, joint: number): string | null;
  /** True for a predicted person's joint: a press drags it only once it moves; a click selects that person. */
  isPredicted(personId: string): boolean;
  /** A click (no movement) on a predicted person's joint. */
  clickPredicted(personId: string): void;
  /**
   * The drag ended at (x, y) — or was cancelled (null: the joint stays where it was); `whole`: the whole person
   * moves with the joint (Mod held when it was grabbed).
   */
  endDrag(personId: string, joint: number, to: { x: number; y: number } | null, whole?: boolean): void;
  /** A click on the image (not on a joint) that did not pan. */
  click(x: number, y: number, mods?: PointerMods): void;
  /** The dragged joint is at (x, y) (image px) with these keys held: the snap preview (optional). */
  dragMoved?(personId: string, joint: number, at: { x: number; y: number }, mods: PointerMods): void;
  /** The pointer is over the image at (x, y) with no button pressed (optional: the place-mode snap preview). */
  hover?(x: number, y: number, mods: PointerMods): void;
  /** A press on a joint that a pending command takes (merge with its person, mark it for a split): true = taken. */
  pressJoint?(personId: string, joint: number): boolean;
  panBy(dxScreen: number, dyScreen: number): void;
  zoom(sxScreen: number, syScreen: number, factor: number): void;
}

export interface DraggedJoint {
  personId: string;
  joint: number;
  /** The whole person follows (Mod held when the joint was grabbed). */
  whole?: boolean;
}

/** The keys held during a pointer event (the DOM's shiftKey, altKey, and Ctrl or ⌘ as Mod). */
export interface PointerMods {
  shift: boolean;
  alt: boolean;
  mod: boolean;
}
export const NO_MODS: PointerMods = { shift: false, alt: false, mod: false };

/** A press moves this far (screen px) before it pans: a click that trembles is still a click. */
const PAN_THRESHOLD_PX = 3;

type State =
  | { kind: 'idle' }
  | { kind: 'press'; x: number; y: number; moved: boolean; button: number }
  | {
      kind: 'pressPredicted';
      personId: string;
      joint: number;
      x: number;
      y: number;
      sx: number;
      sy: number;
      whole: boolean;
    }
  | {
      kind: 'drag';
      personId: string;
      joint: number;
      dx: number;
      dy: number;
      at: { x: number; y: number };
      whole: boolean;
    };

/**
 * The canvas's pointer gestures as a state machine, fed with stage positions (screen px) by the component:
 * idle → press (left or middle button on the image) → pan once it moves past 3 px, else a click on release;
 * idle → drag (left button on a joint): the joint follows the pointer, keeping where it was grabbed, and the drag
 * ends on release — anywhere, also outside the canvas — as one undo step. A predicted person's joint: idle →
 * pressPredicted → drag once it moves past 3 px (its person accepted, in the same undo step), else a click that
 * selects the predicted person. Mod held at the press drags the whole person; the keys held at each move go to
 * the host (`dragMoved`, `hover`: the snap preview), and a press a pending merge or split takes is not a drag.
 * The live position is its own slice
 * (`dragPoint`), so a drag repaints the dragged person only; `dragging` changes only when a drag begins or ends.
 */
export class PointerMachine {
  readonly dragging = new Slice<DraggedJoint | null>(null);
  readonly dragPoint = new Slice<{ x: number; y: number } | null>(null);
  private state: State = { kind: 'idle' };
  private readonly host: PointerHost;

  constructor(host: PointerHost) {
    this.host = host;
  }

  /** A button pressed on a joint of the annotation (the component stops it reaching the stage). */
  jointDown(personId: string, joint: number, sx: number, sy: number, button: number, mods = NO_MODS): void {
    if (button !== 0 || this.state.kind === 'drag') return;
    const j = this.host.jointAt(personId, joint);
    if (!j || this.host.pressJoint?.(personId, joint)) return;
    if (this.host.isPredicted(personId)) {
      this.state = { kind: 'pressPredicted', personId, joint, x: j.x, y: j.y, sx, sy, whole: mods.mod };
      return;
    }
    this.startDrag(personId, joint, j, sx, sy, mods.mod);
  }

  private startDrag(
    personId: string,
    joint: number,
    j: { x: number; y: number },
    sx: number,
    sy: number,
    whole: boolean,
  ): void {
    const [x, y] = this.toImage(sx, sy);
    const id = this.host.beginDrag(personId, joint);
    if (id === null) {
      this.state = { kind: 'idle' };
      return;
    }
    this.state = { kind: 'drag', personId: id, joint, dx: j.x - x, dy: j.y - y, at: { x: j.x, y: j.y }, whole };
    this.dragging.set(whole ? { personId: id, joint, whole } : { personId: id, joint });
  }

  /** A button pressed on the image (or a prediction, which is not draggable). */
  down(sx: number, sy: number, button: number): void {
    if (this.state.kind !== 'idle' || (button !== 0 && button !== 1)) return;
    this.state = { kind: 'press', x: sx, y: sy, moved: false, button };
  }

  move(sx: number, sy: number, mods = NO_MODS): void {
    const s = this.state;
    if (s.kind === 'pressPredicted') {
      if (Math.hypot(sx - s.sx, sy - s.sy) < PAN_THRESHOLD_PX) return;
      this.startDrag(s.personId, s.joint, { x: s.x, y: s.y }, s.sx, s.sy, s.whole);
      if (this.state.kind === 'drag') this.move(sx, sy, mods);
      return;
    }
    if (s.kind === 'idle' && this.host.hover) {
      const [x, y] = this.toImage(sx, sy);
      this.host.hover(x, y, mods);
    } else if (s.kind === 'drag') {
      const [x, y] = this.toImage(sx, sy);
      s.at = { x: x + s.dx, y: y + s.dy };
      this.dragPoint.set(s.at);
      if (!s.whole) this.host.dragMoved?.(s.personId, s.joint, s.at, mods);
    } else if (s.kind === 'press') {
      const dx = sx - s.x,
        dy = sy - s.y;
      if (!s.moved && Math.hypot(dx, dy) < PAN_THRESHOLD_PX) return;
      s.moved = true;
      [s.x, s.y] = [sx, sy];
      this.host.panBy(dx, dy);
    }
  }

  /** The button released over the stage; `onJoint`: over a joint (which a click does not clear). */
  up(sx: number, sy: number, button: number, onJoint: boolean, mods = NO_MODS): void {
    const s = this.state;
    if (s.kind === 'drag') {
      this.release();
      return;
    }
    this.state = { kind: 'idle' };
    if (s.kind === 'pressPredicted') this.host.clickPredicted(s.personId);
    else if (s.kind === 'press' && !s.moved && button === 0 && s.button === 0 && !onJoint) {
      const [x, y] = this.toImage(sx, sy);
      this.host.click(x, y, mods);
    }
  }

  /** The button released anywhere (a window listener: outside the canvas too). Ends a drag where it is. */
  release(): void {
    // The stage's own mouseup (`up`) comes first and makes a press on a prediction a click; released outside the
    // canvas, it is nothing.
    const s = this.state;
    this.state = { kind: 'idle' };
    if (s.kind === 'drag') this.finish(s, s.at);
  }

  /** Escape, another image, an undo: a drag in progress ends without moving the joint. */
  cancel(): void {
    const s = this.state;
    this.state = { kind: 'idle' };
    if (s.kind === 'drag') this.finish(s, null);
  }

  wheel(sx: number, sy: number, deltaY: number, ctrlKey: boolean): void {
    // A pinch arrives as a wheel with ctrlKey and small deltas.
    this.host.zoom(sx, sy, wheelZoomFactor(ctrlKey ? deltaY * 4 : deltaY));
  }

  private finish(s: Extract<State, { kind: 'drag' }>, to: { x: number; y: number } | null): void {
    this.dragPoint.set(null);
    this.dragging.set(null);
    this.host.endDrag(s.personId, s.joint, to, s.whole);
  }

  private toImage(sx: number, sy: number): [number, number] {
    return screenToImage(this.host.viewport(), sx, sy);
  }
}
