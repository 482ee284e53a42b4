import { useCallback, useEffect, useRef, useState } from 'react';
import { Group, Image as KImage, Layer, Rect, Stage } from 'react-konva';
import type Konva from 'konva';
import type { PersonRecord } from '../../core/edit/poseRecords.ts';
import type { TriagedPrediction } from '../../core/review/predictionTriage.ts';
import { overlayStride } from '../editor/paintHeatmap.ts';
import { PREDICTED_PREFIX, predictedKeyOf } from '../editor/viewState.ts';
import { DragLayer, HeatmapImage, JointTooltip } from './CanvasOverlays.tsx';
import { CorrectionLayer } from './CorrectionLayer.tsx';
import type { PointerMods } from '../editor/pointerMachine.ts';
import { PersonShape } from './PersonShape.tsx';
import { PresenceBadge } from './PresenceBadge.tsx';
import { jointsOf } from './personStyle.ts';
import { useEngine, useSlice } from './useEditor.ts';

/**
 * The image, the heatmap overlay and the skeletons, in image pixels under the viewport transform. Pointer events go
 * to the engine's PointerMachine as stage positions; what to do with them (pan, click, drag) is decided there.
 */
export function PoseCanvas() {
  const engine = useEngine();
  const cur = useSlice(engine.images.current);
  const { loading, error } = useSlice(engine.images.status);
  const annotation = useSlice(engine.annotation);
  const v = useSlice(engine.view.viewport);
  const canvas = useSlice(engine.view.canvas);
  const { selection, placeMode, prediction } = useSlice(engine.view.selection);
  const heatmap = useSlice(engine.view.heatmap);
  const triage = useSlice(engine.triage);
  const { showPredictions } = useSlice(engine.view.triage);
  const dragging = useSlice(engine.pointer.dragging);
  const box = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const [tip, setTip] = useState<{ id: string; k: number } | null>(null);
  // The keys held at the last pointer event (a joint's press reaches its shape before the stage).
  const mods = useRef<PointerMods>({ shift: false, alt: false, mod: false });

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => engine.view.setCanvasSize(el.clientWidth, el.clientHeight));
    ro.observe(el);
    engine.view.setCanvasSize(el.clientWidth, el.clientHeight);
    // Released outside the canvas: still the end of a drag.
    const release = () => engine.pointer.release();
    const held = (e: MouseEvent) => {
      mods.current = { shift: e.shiftKey, alt: e.altKey, mod: engine.isMac ? e.metaKey : e.ctrlKey };
    };
    window.addEventListener('mouseup', release);
    el.addEventListener('mousedown', held, true);
    el.addEventListener('mousemove', held, true);
    el.addEventListener('mouseup', held, true);
    return () => {
      ro.disconnect();
      window.removeEventListener('mouseup', release);
      el.removeEventListener('mousedown', held, true);
      el.removeEventListener('mousemove', held, true);
      el.removeEventListener('mouseup', held, true);
    };
  }, [engine]);

  const state = annotation && cur && annotation.imageId === cur.row.id ? annotation.state : null;
  const persons: PersonRecord[] = state ? state.order.map((id) => state.persons[id]) : [];
  // The predicted persons still to decide, at or above the project's threshold (none while predictions are hidden).
  const ghosts: readonly TriagedPrediction[] = state && triage && showPredictions ? triage.pending : [];
  const latest = useRef({ state, ghosts });
  latest.current = { state, ghosts };

  const at = (): [number, number] | null => {
    const p = stageRef.current?.getPointerPosition();
    return p ? [p.x, p.y] : null;
  };
  // Stable handlers keep the memoised persons from re-rendering when anything else changes.
  const onJointDown = useCallback(
    (id: string, k: number, button: number) => {
      const p = stageRef.current?.getPointerPosition();
      if (p) engine.pointer.jointDown(id, k, p.x, p.y, button, mods.current);
    },
    [engine],
  );
  const onHover = useCallback(
    (id: string, k: number | null) => {
      const { state, ghosts } = latest.current;
      if (k === null) {
        setTip(null);
        engine.view.hoverJoint(null);
        return;
      }
      const key = predictedKeyOf(id);
      if (!state?.persons[id] && !ghosts.some((g) => g.key === key)) return;
      setTip({ id, k });
      engine.view.hoverJoint({ personId: id, joint: k });
    },
    [engine],
  );

  const dragged = dragging && state?.persons[dragging.personId];
  // The selected predicted person is boxed: in a crowd its dashed skeleton alone is hard to find.
  const chosen = ghosts.find((g) => g.key === prediction)?.pose.joints.filter((j) => j !== null) ?? [];
  const pad = 8 / v.scale;
  const chosenBox = chosen.length
    ? {
        x: Math.min(...chosen.map((j) => j.x)) - pad,
        y: Math.min(...chosen.map((j) => j.y)) - pad,
        w: Math.max(...chosen.map((j) => j.x)) - Math.min(...chosen.map((j) => j.x)) + 2 * pad,
        h: Math.max(...chosen.map((j) => j.y)) - Math.min(...chosen.map((j) => j.y)) + 2 * pad,
      }
    : null;
  return (
    <div className={`canvas-box${placeMode ? ' placing' : ''}`} ref={box} data-testid="canvas">
      {cur && (
        <Stage
          ref={stageRef}
          width={canvas.w}
          height={canvas.h}
          onWheel={(e) => {
            e.evt.preventDefault();
            const p = at();
            if (p) engine.pointer.wheel(p[0], p[1], e.evt.deltaY, e.evt.ctrlKey);
          }}
          onMouseDown={(e) => {
            const p = at();
            if (p) engine.pointer.down(p[0], p[1], e.evt.button);
          }}
          onMouseMove={() => {
            const p = at();
            if (p) engine.pointer.move(p[0], p[1], mods.current);
          }}
          onMouseUp={(e) => {
            const p = at();
            // Over a predicted person's joint is over the image (a click there places a joint or picks the person).
            const name = e.target.name();
            const onJoint = name.startsWith('joint-') && !name.startsWith(`joint-${PREDICTED_PREFIX}`);
            if (p) engine.pointer.up(p[0], p[1], e.evt.button, onJoint, mods.current);
          }}
        >
          <Layer listening={false} imageSmoothingEnabled={v.scale < 2}>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {/* Image coordinates put a pixel's centre on the integer (like the decoder and COCO): pixel i spans i ± ½. */}
              {cur.image.source && (
                <KImage image={cur.image.source} x={-0.5} y={-0.5} width={cur.row.width} height={cur.row.height} />
              )}
            </Group>
          </Layer>
          <Layer listening={false}>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {heatmap.visible && cur.maps && (
                <HeatmapImage
                  maps={cur.maps}
                  channel={heatmap.channel}
                  opacity={heatmap.opacity}
                  colormap={heatmap.colormap}
                  imageW={cur.row.width}
                  imageH={cur.row.height}
                  stride={overlayStride(cur.row.width, cur.row.height, v.scale)}
                />
              )}
            </Group>
          </Layer>
          <Layer>
            <Group x={v.offsetX} y={v.offsetY} scaleX={v.scale} scaleY={v.scale}>
              {ghosts.map((g) => (
                <PersonShape
                  key={g.key}
                  id={`${PREDICTED_PREFIX}${g.key}`}
                  joints={g.pose.joints}
                  scale={v.scale}
                  selectedJoint={null}
                  selected={prediction === g.key}
                  ghost
                  parts={heatmap.parts}
                  // Placing a joint, a press on a prediction is a press on the image (it places the joint there).
                  onJointDown={placeMode ? undefined : onJointDown}
                  onHover={onHover}
                />
              ))}
              {chosenBox && (
                <Rect
                  name="selected-prediction"
                  x={chosenBox.x}
                  y={chosenBox.y}
                  width={chosenBox.w}
                  height={chosenBox.h}
                  stroke="#ffffff"
                  strokeWidth={1.5 / v.scale}
                  dash={[6 / v.scale, 4 / v.scale]}
                  listening={false}
                />
              )}
              {persons.map((p) => (
                <PersonShape
                  key={p.id}
                  hidden={dragging?.personId === p.id}
                  id={p.id}
                  scale={v.scale}
                  ghost={false}
                  parts={heatmap.parts}
                  joints={jointsOf(p)}
                  selected={selection.personId === p.id}
                  selectedJoint={selection.personId === p.id ? selection.joint : null}
                  onJointDown={onJointDown}
                  onHover={onHover}
                />
              ))}
              {state && <CorrectionLayer v={v} state={state} />}
            </Group>
          </Layer>
          {dragging && dragged && (
            <DragLayer person={dragged} joint={dragging.joint} whole={!!dragging.whole} parts={heatmap.parts} v={v} />
          )}
        </Stage>
      )}
      {tip && state && <JointTooltip tip={tip} persons={state.persons} ghosts={ghosts} v={v} canvas={canvas} />}
      {cur && <PresenceBadge imageId={cur.row.id} />}
      {loading && <div className="canvas-note">Loading…</div>}
      {error && (
        <div className="canvas-note error" role="alert">
          {error}
        </div>
      )}
      {!cur && !loading && !error && <div className="canvas-note">No image to show. Open a folder with photos.</div>}
    </div>
  );
}
