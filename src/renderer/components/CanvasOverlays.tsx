import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Group, Image as KImage, Layer } from 'react-konva';
import type Konva from 'konva';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { colormapLut } from '../../core/geometry/colormap.ts';
import type { Viewport } from '../../core/geometry/viewport.ts';
import type { PersonRecord } from '../../core/edit/poseRecords.ts';
import type { TriagedPrediction } from '../../core/review/predictionTriage.ts';
import { predictedKeyOf } from '../editor/viewState.ts';
import { paintHeatmap, type HeatmapPaint } from '../editor/paintHeatmap.ts';
import { afterPaint } from '../editor/browserHost.ts';
import type { OverlayMaps } from '../editor/imageSession.ts';
import { PersonShape } from './PersonShape.tsx';
import { jointsOf } from './personStyle.ts';
import { useEngine, useSlice } from './useEditor.ts';

/**
 * The person being dragged, on a layer of its own: pointer moves repaint this one person only (the skeleton layer
 * with everyone else stays as it is). Follows the pointer machine's `dragPoint` slice alone.
 */
export function DragLayer(props: { person: PersonRecord; joint: number; whole: boolean; parts: boolean; v: Viewport }) {
  const engine = useEngine();
  const point = useSlice(engine.pointer.dragPoint);
  const { person, joint, whole, v } = props;
  const base = jointsOf(person);
  const joints = useMemo(() => {
    const from = base[joint];
    if (!point || !from) return base;
    // Mod-drag moves the whole person with the grabbed joint.
    if (whole) return base.map((j) => j && { ...j, x: j.x + point.x - from.x, y: j.y + point.y - from.y });
    return base.map((j, k) => (k === joint && j ? { ...j, x: point.x, y: point.y } : j));
  }, [point, base, joint, whole]);
  return (
    <Layer listening={false}>
      <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
        <PersonShape
          id={person.id}
          joints={joints}
          scale={v.scale}
          selectedJoint={joint}
          selected
          ghost={false}
          parts={props.parts}
        />
      </Group>
    </Layer>
  );
}

/** One channel of the maps over the image, painted as the decoder sees it (paintHeatmap). */
export function HeatmapImage(props: {
  maps: OverlayMaps;
  channel: number;
  opacity: number;
  colormap: 'turbo' | 'gray';
  imageW: number;
  imageH: number;
  stride: number;
}) {
  const { maps, channel, opacity, colormap, imageW, imageH, stride } = props;
  const canvas = useMemo(() => document.createElement('canvas'), []);
  const ref = useRef<Konva.Image>(null);
  const lut = useMemo(() => colormapLut(colormap, 1), [colormap]);
  const [at, setAt] = useState<HeatmapPaint | null>(null);
  useLayoutEffect(() => {
    setAt(paintHeatmap(canvas, maps, channel, lut, imageW, imageH, stride));
    ref.current?.getLayer()?.batchDraw();
    const mark = `channel-switch:${channel}`;
    if (performance.getEntriesByName(mark, 'mark').length)
      afterPaint(() => {
        performance.measure(mark, mark);
        performance.clearMarks(mark);
      });
  }, [canvas, maps, channel, lut, imageW, imageH, stride]);
  if (!at) return null;
  // The photo is drawn so that pixel i's centre is at i (see PoseCanvas); `at` is in the same coordinates.
  return (
    <KImage
      ref={ref}
      name="heatmap"
      image={canvas}
      x={at.x}
      y={at.y}
      width={at.width}
      height={at.height}
      opacity={opacity}
      listening={false}
      imageSmoothingEnabled={at.stride > 1}
    />
  );
}

/** Pixels between the hovered joint and its tooltip, and between the tooltip and the canvas's edge. */
const TIP_GAP_PX = 12;

/**
 * Where a box of w × h goes beside the point (px, py) inside a canvas of cw × ch: below right of it, flipped to the
 * other side where it would leave the canvas, and clamped inside it.
 */
export function tooltipPlacement(px: number, py: number, w: number, h: number, cw: number, ch: number) {
  let left = px + TIP_GAP_PX,
    top = py + TIP_GAP_PX;
  if (left + w > cw) left = px - TIP_GAP_PX - w;
  if (top + h > ch) top = py - TIP_GAP_PX - h;
  return { left: Math.max(0, Math.min(left, cw - w)), top: Math.max(0, Math.min(top, ch - h)) };
}

/**
 * Name, score, visibility and provenance of the hovered joint, from the live annotation (or the predicted person),
 * with what its score means; kept inside the canvas.
 */
export function JointTooltip(props: {
  tip: { id: string; k: number };
  persons: Record<string, PersonRecord>;
  ghosts: readonly TriagedPrediction[];
  v: Viewport;
  canvas: { w: number; h: number };
}) {
  const { tip, v, canvas } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const p = props.persons[tip.id];
  const text = (() => {
    if (p) {
      const j = p.joints[tip.k];
      if (!j) return null;
      const v = j.v === 0 ? 'v=0 (not labelled; V restores it)' : `v=${j.v}`;
      return { j, extra: `${j.model ? ` · score ${j.model.score.toFixed(2)}` : ''} · ${v} · ${j.source}` };
    }
    const key = predictedKeyOf(tip.id);
    const g = props.ghosts.find((x) => x.key === key);
    const j = g?.pose.joints[tip.k];
    return j && g
      ? { j, extra: ` · score ${j.score.toFixed(2)} · predicted person, score ${g.pose.score.toFixed(2)}` }
      : null;
  })();
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && (el.offsetWidth !== size.w || el.offsetHeight !== size.h))
      setSize({ w: el.offsetWidth, h: el.offsetHeight });
  });
  if (!text) return null;
  const at = tooltipPlacement(
    text.j.x * v.scale + v.offsetX,
    text.j.y * v.scale + v.offsetY,
    size.w,
    size.h,
    canvas.w,
    canvas.h,
  );
  return (
    <div className="tooltip" ref={ref} data-testid="joint-tooltip" style={{ left: at.left, top: at.top }}>
      {COCO_KEYPOINTS[tip.k]}
      {text.extra}
      <div className="tooltip-note">{JOINT_SCORE_NOTE}</div>
    </div>
  );
}

/** What a joint's score is, in one line (the person score's line is SCORE_EXPLANATION, in the side panel). */
const JOINT_SCORE_NOTE = "a joint's score is its heatmap peak (it can exceed 1)";
