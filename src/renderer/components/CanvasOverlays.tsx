import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Group, Image as KImage, Layer } from 'react-konva';
import type Konva from 'konva';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { colormapLut } from '../../core/geometry/colormap.ts';
import type { Viewport } from '../../core/geometry/viewport.ts';
import type { PersonRecord } from '../../core/edit/poseRecords.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
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
export function DragLayer(props: { person: PersonRecord; joint: number; parts: boolean; v: Viewport }) {
  const engine = useEngine();
  const point = useSlice(engine.pointer.dragPoint);
  const { person, joint, v } = props;
  const base = jointsOf(person);
  const joints = useMemo(
    () => (point ? base.map((j, k) => (k === joint && j ? { ...j, x: point.x, y: point.y } : j)) : base),
    [point, base, joint],
  );
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

/** Name, score, visibility and provenance of the hovered joint, from the live annotation. */
export function JointTooltip(props: {
  tip: { id: string; k: number };
  persons: Record<string, PersonRecord>;
  ghosts: Pose[];
  v: Viewport;
}) {
  const { tip, v } = props;
  const p = props.persons[tip.id];
  const text = (() => {
    if (p) {
      const j = p.joints[tip.k];
      if (!j) return null;
      return { j, extra: `${j.model ? ` · score ${j.model.score.toFixed(2)}` : ''} · v=${j.v} · ${j.source}` };
    }
    const j = props.ghosts[Number(tip.id.slice(6))]?.joints[tip.k];
    return j ? { j, extra: ` · score ${j.score.toFixed(2)} · prediction` } : null;
  })();
  if (!text) return null;
  return (
    <div
      className="tooltip"
      style={{ left: text.j.x * v.scale + v.offsetX + 12, top: text.j.y * v.scale + v.offsetY + 12 }}
    >
      {COCO_KEYPOINTS[tip.k]}
      {text.extra}
    </div>
  );
}
