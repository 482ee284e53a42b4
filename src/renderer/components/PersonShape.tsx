import { memo } from 'react';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { Circle, Ellipse, Group, Line } from 'react-konva';
import { confidenceColour, LIMBS, limbSide, SIDE_COLOUR, sideOf, type JointLike } from './personStyle.ts';

/** A button pressed on joint `k` of person `id`, at a stage position (screen px). */
export type JointDown = (id: string, k: number, button: number) => void;

/** A joint that limbs and ellipses join: placed and labelled (v = 0 keeps its position but is not labelled). */
const drawn = (j: JointLike | null) => (j && j.v !== 0 ? j : null);

/** One person's skeleton (image px, under the viewport transform): limbs, joints, optional body-part ellipses. */
export const PersonShape = memo(function PersonShape(props: {
  id: string;
  joints: (JointLike | null)[];
  scale: number;
  selectedJoint: number | null;
  selected: boolean;
  ghost: boolean;
  parts: boolean;
  /** Hidden while it is dragged: the drag layer draws it then, so this layer stays still. */
  hidden?: boolean;
  onJointDown?: JointDown;
  onHover?: (id: string, k: number | null) => void;
}) {
  const { scale, joints } = props;
  const r = 5 / scale,
    sw = 2 / scale;
  return (
    <Group
      opacity={props.ghost && !props.selected ? 0.75 : 1}
      visible={!props.hidden}
      listening={!!props.onJointDown || !!props.onHover}
    >
      {props.parts &&
        LIMBS.map(([a, b]) => {
          const ja = drawn(joints[a]),
            jb = drawn(joints[b]);
          if (!ja || !jb) return null;
          const len = Math.hypot(jb.x - ja.x, jb.y - ja.y);
          return (
            <Ellipse
              key={`e${a}-${b}`}
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
      {LIMBS.map(([a, b]) => {
        const ja = drawn(joints[a]),
          jb = drawn(joints[b]);
        if (!ja || !jb) return null;
        return (
          <Line
            key={`l${a}-${b}`}
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
              key={COCO_KEYPOINTS[k]}
              name={`joint-${props.id}-${k}`}
              x={j.x}
              y={j.y}
              radius={(props.selectedJoint === k ? r * 1.6 : r) * (j.v === 0 ? 0.8 : 1)}
              fill={
                j.v === 0
                  ? 'rgba(0,0,0,0.01)'
                  : j.v === 1
                    ? 'rgba(0,0,0,0.35)'
                    : confidenceColour(j.source === 'human' ? undefined : j.score)
              }
              stroke={props.selectedJoint === k ? '#ffffff' : SIDE_COLOUR[sideOf(k)]}
              strokeWidth={props.selectedJoint === k ? sw * 1.5 : sw}
              dash={j.v === 1 || j.v === 0 ? [3 / scale, 2 / scale] : undefined}
              opacity={j.v === 0 ? 0.6 : 1}
              perfectDrawEnabled={false}
              hitStrokeWidth={8 / scale}
              onMouseDown={(e) => {
                // Other buttons reach the stage (the middle one pans from anywhere).
                if (!props.onJointDown || e.evt.button !== 0) return;
                e.cancelBubble = true; // the stage's press (pan/click) does not start
                props.onJointDown(props.id, k, e.evt.button);
              }}
              onMouseEnter={() => props.onHover?.(props.id, k)}
              onMouseLeave={() => props.onHover?.(props.id, null)}
            />
          ),
      )}
    </Group>
  );
});
