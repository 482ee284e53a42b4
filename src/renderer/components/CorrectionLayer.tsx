import { Circle, Group, Line, Rect, Text } from 'react-konva';
import type { AnnotationState, PersonRecord } from '../../core/edit/poseRecords.ts';
import type { Viewport } from '../../core/geometry/viewport.ts';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { LIMBS } from './personStyle.ts';
import { useEngine, useSlice } from './useEditor.ts';

/** Colours of the corrections: distinct from the skeletons' left/right/centre and from the predictions' dashes. */
export const CORRECTION_COLOUR = { snap: '#ffffff', candidate: '#ffe14d', proposal: '#ff4fd8', flag: '#ff3b3b' };

function boxOf(p: PersonRecord) {
  const js = p.joints.filter((j) => j !== null);
  if (!js.length) return null;
  const xs = js.map((j) => j.x),
    ys = js.map((j) => j.y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/**
 * What the corrections draw over the skeletons (image px, inside the viewport group): the snap target while a joint
 * is dragged or placed with the modifier, the selected joint's numbered second guesses with their heights, flag
 * badges (⇄ on a person whose left and right look swapped, a red ring on a joint the model sees elsewhere), the
 * regroup proposal (magenta, dashed) and the merge target / split marks. Each reads its own slice.
 */
export function CorrectionLayer(props: { v: Viewport; state: AnnotationState }) {
  const engine = useEngine();
  const c = engine.corrections;
  const snap = useSlice(c.fix.snap);
  const cands = useSlice(c.fix.candidates);
  const flags = useSlice(c.flags.flags);
  const proposal = useSlice(c.regroup.proposal);
  const mode = useSlice(c.persons.mode);
  const { v, state } = props;
  const s = 1 / v.scale;
  const font = 12 * s;
  const proposed = proposal
    ? [...Object.values(proposal.diff.updated).map(([, a]) => a), ...Object.values(proposal.diff.added)]
    : [];
  return (
    <Group listening={false} name="corrections">
      {flags?.items.map((f, i) => {
        const p = state.persons[f.personId];
        if (!p) return null;
        if (f.kind === 'swap') {
          const b = boxOf(p);
          return (
            b && (
              <Text
                key={`swap-${f.personId}`}
                name={`flag-swap-${f.personId}`}
                x={b.x0 - 6 * s}
                y={b.y0 - 18 * s}
                text={`⇄ L/R ×${f.ratio.toFixed(2)}`}
                fontSize={font}
                fill={CORRECTION_COLOUR.flag}
                fontStyle={i === flags.cursor ? 'bold' : 'normal'}
              />
            )
          );
        }
        const j = p.joints[f.joint];
        return (
          j && (
            <Circle
              key={`label-${f.personId}-${f.joint}`}
              name={`flag-label-${f.personId}-${f.joint}`}
              x={j.x}
              y={j.y}
              radius={10 * s}
              stroke={CORRECTION_COLOUR.flag}
              strokeWidth={(i === flags.cursor ? 3 : 1.5) * s}
              dash={[3 * s, 3 * s]}
            />
          )
        );
      })}
      {cands?.peaks.map((p, i) => (
        <Group key={`cand-${p.x},${p.y}`} name={`candidate-${i + 1}`}>
          <Circle x={p.x} y={p.y} radius={7 * s} stroke={CORRECTION_COLOUR.candidate} strokeWidth={1.5 * s} />
          <Text
            x={p.x + 8 * s}
            y={p.y - 14 * s}
            text={`${i + 1} · ${p.height.toFixed(2)}`}
            fontSize={font}
            fill={CORRECTION_COLOUR.candidate}
          />
        </Group>
      ))}
      {snap && (
        <Group name="snap-target">
          <Circle x={snap.x} y={snap.y} radius={9 * s} stroke={CORRECTION_COLOUR.snap} strokeWidth={2 * s} />
          <Line
            points={[snap.x - 13 * s, snap.y, snap.x + 13 * s, snap.y]}
            stroke={CORRECTION_COLOUR.snap}
            strokeWidth={s}
          />
          <Line
            points={[snap.x, snap.y - 13 * s, snap.x, snap.y + 13 * s]}
            stroke={CORRECTION_COLOUR.snap}
            strokeWidth={s}
          />
          <Text
            x={snap.x + 11 * s}
            y={snap.y + 4 * s}
            text={snap.height.toFixed(2)}
            fontSize={font}
            fill={CORRECTION_COLOUR.snap}
          />
        </Group>
      )}
      {proposed.map((p) => (
        <Group key={`prop-${p.id}`} name={`proposal-${p.id}`}>
          {LIMBS.map(([a, b]) => {
            const ja = p.joints[a],
              jb = p.joints[b];
            return ja && jb ? (
              <Line
                key={`l${a}-${b}`}
                points={[ja.x, ja.y, jb.x, jb.y]}
                stroke={CORRECTION_COLOUR.proposal}
                strokeWidth={2.5 * s}
                dash={[6 * s, 4 * s]}
              />
            ) : null;
          })}
          {p.joints.map(
            (j, k) =>
              j && <Circle key={COCO_KEYPOINTS[k]} x={j.x} y={j.y} radius={4 * s} fill={CORRECTION_COLOUR.proposal} />,
          )}
        </Group>
      ))}
      {mode?.kind === 'merge' && mode.target && state.persons[mode.target] && (
        <MarkBox p={state.persons[mode.target]} s={s} name="merge-target" />
      )}
      {mode?.kind === 'split' &&
        mode.joints.map((k) => {
          const j = state.persons[mode.personId]?.joints[k];
          return (
            j && (
              <Rect
                key={k}
                name={`split-mark-${k}`}
                x={j.x - 8 * s}
                y={j.y - 8 * s}
                width={16 * s}
                height={16 * s}
                stroke={CORRECTION_COLOUR.proposal}
                strokeWidth={2 * s}
              />
            )
          );
        })}
    </Group>
  );
}

function MarkBox(props: { p: PersonRecord; s: number; name: string }) {
  const b = boxOf(props.p);
  const pad = 8 * props.s;
  return b ? (
    <Rect
      name={props.name}
      x={b.x0 - pad}
      y={b.y0 - pad}
      width={b.x1 - b.x0 + 2 * pad}
      height={b.y1 - b.y0 + 2 * pad}
      stroke={CORRECTION_COLOUR.proposal}
      strokeWidth={2 * props.s}
      dash={[8 * props.s, 4 * props.s]}
    />
  ) : null;
}
