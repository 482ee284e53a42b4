import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Circle, Ellipse, Group, Image as KImage, Layer, Line, Stage } from 'react-konva';
import type Konva from 'konva';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../core/skeleton/poseMeta.ts';
import { colormapLut } from '../../core/geometry/colormap.ts';
import { screenToImage, wheelZoomFactor } from '../../core/geometry/viewport.ts';
import type { PersonRecord } from '../../core/edit/poseRecords.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { overlayStride, paintHeatmap, type HeatmapPaint } from '../editor/paintHeatmap.ts';
import { afterPaint, type OverlayMaps } from '../editor/editorEngine.ts';
import { useEditor, useEngine } from './useEditor.ts';

const SIDE_COLOUR = { left: '#3b9cff', right: '#ff8a3b', center: '#5bd67a' } as const;
const side = (k: number): keyof typeof SIDE_COLOUR =>
  COCO_KEYPOINTS[k].startsWith('left') ? 'left' : COCO_KEYPOINTS[k].startsWith('right') ? 'right' : 'center';
const LIMBS = COCO_SKELETON_1BASED.map(([a, b]) => [a - 1, b - 1] as const);
const limbSide = (a: number, b: number) => (side(a) === side(b) ? side(a) : 'center');

/** Confidence 0..1 → red..yellow..green (joints a person placed are white). */
export function confidenceColour(score: number | undefined): string {
  if (score === undefined) return '#ffffff';
  const t = Math.max(0, Math.min(1, score));
  return `hsl(${Math.round(t * 120)}, 85%, 50%)`;
}

const jointCache = new WeakMap<PersonRecord, (JointLike | null)[]>();
/** Display joints of a person, computed once per person record (records are immutable; unchanged ones keep identity). */
function jointsOf(p: PersonRecord): (JointLike | null)[] {
  let j = jointCache.get(p);
  if (!j) {
    j = p.joints.map((x) => (x ? { x: x.x, y: x.y, v: x.v, score: x.model?.score, source: x.source } : null));
    jointCache.set(p, j);
  }
  return j;
}

interface JointLike {
  x: number;
  y: number;
  v?: 1 | 2;
  score?: number;
  source?: string;
}

const PersonShape = memo(function PersonShape(props: {
  id: string;
  joints: (JointLike | null)[];
  scale: number;
  selectedJoint: number | null;
  selected: boolean;
  ghost: boolean;
  parts: boolean;
  /** Hidden while it is dragged: the drag layer draws it then, so this layer stays still. */
  hidden?: boolean;
  onJointDown?: (id: string, k: number, evt: MouseEvent) => void;
  onHover?: (id: string, k: number | null) => void;
}) {
  const { scale, joints } = props;
  const r = 5 / scale,
    sw = 2 / scale;
  return (
    <Group opacity={props.ghost ? 0.75 : 1} visible={!props.hidden} listening={!!props.onJointDown || !!props.onHover}>
      {props.parts &&
        LIMBS.map(([a, b], i) => {
          const ja = joints[a],
            jb = joints[b];
          if (!ja || !jb) return null;
          const len = Math.hypot(jb.x - ja.x, jb.y - ja.y);
          return (
            <Ellipse
              key={`e${i}`}
              x={(ja.x + jb.x) / 2}
              y={(ja.y + jb.y) / 2}
              radiusX={len / 2}
              radiusY={Math.max(len * 0.18, 2)}
              rotation={(Math.atan2(jb.y - ja.y, jb.x - ja.x) * 180) / Math.PI}
              fill={SIDE_COLOUR[limbSide(a, b)]}
              opacity={0.18}
              listening={false}
              perfectDrawEnabled={false}
            />
          );
        })}
      {LIMBS.map(([a, b], i) => {
        const ja = joints[a],
          jb = joints[b];
        if (!ja || !jb) return null;
        return (
          <Line
            key={`l${i}`}
            points={[ja.x, ja.y, jb.x, jb.y]}
            stroke={SIDE_COLOUR[limbSide(a, b)]}
            strokeWidth={(props.selected ? 3 : 2) / scale}
            dash={props.ghost ? [6 / scale, 4 / scale] : undefined}
            listening={false}
            perfectDrawEnabled={false}
          />
        );
      })}
      {joints.map(
        (j, k) =>
          j && (
            <Circle
              key={k}
              name={`joint-${props.id}-${k}`}
              x={j.x}
              y={j.y}
              radius={props.selectedJoint === k ? r * 1.6 : r}
              fill={j.v === 1 ? 'rgba(0,0,0,0.35)' : confidenceColour(j.source === 'human' ? undefined : j.score)}
              stroke={props.selectedJoint === k ? '#ffffff' : SIDE_COLOUR[side(k)]}
              strokeWidth={props.selectedJoint === k ? sw * 1.5 : sw}
              dash={j.v === 1 ? [3 / scale, 2 / scale] : undefined}
              perfectDrawEnabled={false}
              hitStrokeWidth={8 / scale}
              onMouseDown={(e) => {
                if (!props.onJointDown || e.evt.button !== 0) return;
                e.cancelBubble = true;
                props.onJointDown(props.id, k, e.evt);
              }}
              onMouseEnter={() => props.onHover?.(props.id, k)}
              onMouseLeave={() => props.onHover?.(props.id, null)}
            />
          ),
      )}
    </Group>
  );
});

/**
 * The person being dragged, on a layer of its own: pointer moves repaint this one person only (the skeleton layer
 * with everyone else stays as it is). Follows the engine's drag store, not the snapshot.
 */
function DragLayer({
  person,
  joint,
  scale,
  parts,
  v,
}: {
  person: PersonRecord;
  joint: number;
  scale: number;
  parts: boolean;
  v: { scale: number; offsetX: number; offsetY: number };
}) {
  const engine = useEngine();
  const point = useSyncExternalStore(engine.subscribeDrag, engine.getDragPoint);
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
          scale={scale}
          selectedJoint={joint}
          selected
          ghost={false}
          parts={parts}
        />
      </Group>
    </Layer>
  );
}

function HeatmapImage({
  maps,
  channel,
  opacity,
  colormap,
  imageW,
  imageH,
  stride,
}: {
  maps: OverlayMaps;
  channel: number;
  opacity: number;
  colormap: 'turbo' | 'gray';
  imageW: number;
  imageH: number;
  stride: number;
}) {
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
function JointTooltip({
  tip,
  persons,
  ghosts,
  v,
}: {
  tip: { id: string; k: number };
  persons: Record<string, PersonRecord>;
  ghosts: Pose[];
  v: { scale: number; offsetX: number; offsetY: number };
}) {
  const p = persons[tip.id];
  const j = p ? p.joints[tip.k] : ghosts[Number(tip.id.slice(6))]?.joints[tip.k];
  if (!j) return null;
  const score = p ? (j as { model?: { score: number } }).model?.score : (j as { score: number }).score;
  const extra = p ? ` · v=${(j as { v: number }).v} · ${(j as { source: string }).source}` : ' · prediction';
  return (
    <div className="tooltip" style={{ left: j.x * v.scale + v.offsetX + 12, top: j.y * v.scale + v.offsetY + 12 }}>
      {COCO_KEYPOINTS[tip.k]}
      {score !== undefined ? ` · score ${score.toFixed(2)}` : ''}
      {extra}
    </div>
  );
}

/** The image, the heatmap overlay and the skeletons, in image pixels under the viewport transform. */
export function PoseCanvas() {
  const engine = useEngine();
  const s = useEditor();
  const box = useRef<HTMLDivElement>(null);
  const [tip, setTip] = useState<{ id: string; k: number } | null>(null);
  const panning = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const stageRef = useRef<Konva.Stage>(null);

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => engine.setCanvasSize(el.clientWidth, el.clientHeight));
    ro.observe(el);
    engine.setCanvasSize(el.clientWidth, el.clientHeight);
    return () => ro.disconnect();
  }, [engine]);

  const cur = s.current;
  const v = s.viewport;
  const persons: PersonRecord[] = cur ? cur.state.order.map((id) => cur.state.persons[id]) : [];
  const ghosts: Pose[] = cur && persons.length === 0 ? cur.predictions : [];

  const latest = useRef({ cur, ghosts, v });
  latest.current = { cur, ghosts, v };
  // Stable handlers keep the memoised persons from re-rendering when anything else changes.
  // Pointer offset from the grabbed joint's centre (image px), so the joint does not jump to the cursor.
  const grab = useRef<{ dx: number; dy: number; x: number; y: number } | null>(null);
  const pointerImage = (): [number, number] | null => {
    const stage = stageRef.current,
      p = stage?.getPointerPosition();
    return p ? screenToImage(engine.getSnapshot().viewport, p.x, p.y) : null;
  };
  const onJointDown = useCallback(
    (id: string, k: number) => {
      const j = engine.getSnapshot().current?.state.persons[id]?.joints[k];
      const at = pointerImage();
      if (!j || !at) return;
      grab.current = { dx: j.x - at[0], dy: j.y - at[1], x: j.x, y: j.y };
      engine.beginDrag(id, k);
      // Released outside the canvas: still the end of the drag.
      window.addEventListener(
        'mouseup',
        () => {
          if (grab.current) {
            const g = grab.current;
            grab.current = null;
            void engine.endDrag(g.x, g.y);
          }
        },
        { once: true },
      );
    },
    [engine],
  );
  const onHover = useCallback(
    (id: string, k: number | null) => {
      const { cur, ghosts } = latest.current;
      if (k === null) {
        setTip(null);
        engine.hoverJoint(null);
        return;
      }
      const p = cur?.state.persons[id];
      if (!p && !ghosts[Number(id.slice(6))]) return;
      setTip({ id, k });
      if (p) engine.hoverJoint({ personId: id, joint: k });
      else engine.hoverJoint(null);
    },
    [engine],
  );

  return (
    <div className={`canvas-box${s.placeMode ? ' placing' : ''}`} ref={box} data-testid="canvas">
      {cur && (
        <Stage
          ref={stageRef}
          width={s.canvas.w}
          height={s.canvas.h}
          onWheel={(e) => {
            e.evt.preventDefault();
            const p = e.target.getStage()!.getPointerPosition()!;
            engine.zoom(p.x, p.y, wheelZoomFactor(e.evt.ctrlKey ? e.evt.deltaY * 4 : e.evt.deltaY));
          }}
          onMouseDown={(e) => {
            if (e.evt.button === 0 || e.evt.button === 1)
              panning.current = { x: e.evt.clientX, y: e.evt.clientY, moved: false };
          }}
          onMouseMove={(e) => {
            const g = grab.current;
            if (g) {
              const at = pointerImage();
              if (at) {
                g.x = at[0] + g.dx;
                g.y = at[1] + g.dy;
                engine.dragTo(g.x, g.y);
              }
              return;
            }
            const p = panning.current;
            if (!p || s.dragging) return;
            const dx = e.evt.clientX - p.x,
              dy = e.evt.clientY - p.y;
            if (!p.moved && Math.hypot(dx, dy) < 3) return;
            p.moved = true;
            p.x = e.evt.clientX;
            p.y = e.evt.clientY;
            engine.panBy(dx, dy);
          }}
          onMouseUp={(e) => {
            const g = grab.current;
            if (g) {
              grab.current = null;
              void engine.endDrag(g.x, g.y);
              return;
            }
            const p = panning.current;
            panning.current = null;
            if (!p || p.moved || s.dragging || e.evt.button !== 0) return;
            if (e.target.name().startsWith('joint-')) return;
            const pos = e.target.getStage()!.getPointerPosition()!;
            const [x, y] = screenToImage(v, pos.x, pos.y);
            void engine.clickImage(x, y);
          }}
        >
          <Layer listening={false} imageSmoothingEnabled={v.scale < 2}>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {/* Image coordinates put a pixel's centre on the integer (like the decoder and COCO): pixel i spans i ± ½. */}
              <KImage image={cur.bitmap} x={-0.5} y={-0.5} width={cur.row.width} height={cur.row.height} />
            </Group>
          </Layer>
          <Layer listening={false}>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {s.heatmap.visible && cur.maps && (
                <HeatmapImage
                  maps={cur.maps}
                  channel={s.heatmap.channel}
                  opacity={s.heatmap.opacity}
                  colormap={s.heatmap.colormap}
                  imageW={cur.row.width}
                  imageH={cur.row.height}
                  stride={overlayStride(cur.row.width, cur.row.height, v.scale)}
                />
              )}
            </Group>
          </Layer>
          <Layer>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {ghosts.map((g, i) => (
                <PersonShape
                  key={`ghost${i}`}
                  id={`ghost:${i}`}
                  joints={g.joints}
                  scale={v.scale}
                  selectedJoint={null}
                  selected={false}
                  ghost
                  parts={s.heatmap.parts}
                  onHover={onHover}
                />
              ))}
              {persons.map((p) => (
                <PersonShape
                  key={p.id}
                  hidden={s.dragging?.personId === p.id}
                  id={p.id}
                  scale={v.scale}
                  ghost={false}
                  parts={s.heatmap.parts}
                  joints={jointsOf(p)}
                  selected={s.selection.personId === p.id}
                  selectedJoint={s.selection.personId === p.id ? s.selection.joint : null}
                  onJointDown={onJointDown}
                  onHover={onHover}
                />
              ))}
            </Group>
          </Layer>
          {s.dragging && cur.state.persons[s.dragging.personId] && (
            <DragLayer
              person={cur.state.persons[s.dragging.personId]}
              joint={s.dragging.joint}
              scale={v.scale}
              parts={s.heatmap.parts}
              v={v}
            />
          )}
        </Stage>
      )}
      {tip && cur && <JointTooltip tip={tip} persons={cur.state.persons} ghosts={ghosts} v={v} />}
      {s.loading && <div className="canvas-note">Loading…</div>}
      {s.error && (
        <div className="canvas-note error" role="alert">
          {s.error}
        </div>
      )}
      {!cur && !s.loading && !s.error && (
        <div className="canvas-note">No image to show. Open a folder with photos.</div>
      )}
    </div>
  );
}
