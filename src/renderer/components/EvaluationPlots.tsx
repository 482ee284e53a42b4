import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';

type Evaluation = PoseResponse<'evaluate'>;

const W = 300,
  H = 200,
  PAD = 30;

/** Precision against recall at OKS 0.50, 0.75 and averaged over the ten thresholds (the area under it is AP). */
export function PrecisionRecallPlot({ curve }: { curve: Evaluation['curve'] }) {
  const x = (r: number) => PAD + r * (W - PAD - 8);
  const y = (p: number) => H - PAD - p * (H - PAD - 8);
  const line = (values: number[]) =>
    values
      .map((p, i) => (p < 0 ? null : `${x(curve.recall[i]).toFixed(1)},${y(p).toFixed(1)}`))
      .filter((pt) => pt !== null)
      .join(' ');
  const series: [string, number[], string][] = [
    ['OKS 0.50', curve.oks50, '#7ee2a0'],
    ['OKS 0.75', curve.oks75, '#ffd666'],
    ['mean 0.50:0.95', curve.mean, '#4c8dff'],
  ];
  return (
    <svg
      className="plot"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label="Precision–recall curve"
      data-testid="pr-curve"
    >
      <rect x={PAD} y={8} width={W - PAD - 8} height={H - PAD - 8} className="plot-frame" />
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <text x={x(t)} y={H - PAD + 14} textAnchor="middle">
            {t}
          </text>
          <text x={PAD - 4} y={y(t) + 4} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      <text x={(W + PAD) / 2} y={H - 2} textAnchor="middle">
        recall
      </text>
      <text x={10} y={H / 2} textAnchor="middle" transform={`rotate(-90 10 ${H / 2})`}>
        precision
      </text>
      {series.map(([name, values, colour], i) => (
        <g key={name}>
          <polyline points={line(values)} fill="none" stroke={colour} strokeWidth={1.5} />
          <text x={W - 12} y={20 + 12 * i} textAnchor="end" fill={colour}>
            {name}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** Each joint's mean keypoint similarity (the per-joint term of OKS: 1 on the spot) over the matched persons. */
export function JointErrorPlot({ joints }: { joints: Evaluation['joints'] }) {
  const rowH = 11;
  const h = joints.length * rowH + 20;
  const bar = (v: number) => v * (W - 110);
  return (
    <svg
      className="plot"
      viewBox={`0 0 ${W} ${h}`}
      role="img"
      aria-label="Per-joint similarity"
      data-testid="joint-plot"
    >
      {joints.map((j, i) => (
        <g key={j.joint}>
          <text x={78} y={i * rowH + 9} textAnchor="end">
            {COCO_KEYPOINTS[j.joint]}
          </text>
          <rect x={82} y={i * rowH + 1} width={bar(j.similarity ?? 0)} height={rowH - 3} className="joint-bar" />
          <text x={86 + bar(j.similarity ?? 0)} y={i * rowH + 9}>
            {j.similarity === null ? 'no match' : `${j.similarity.toFixed(2)} · ${j.medianPx!.toFixed(0)} px`}
          </text>
        </g>
      ))}
      <text x={82} y={h - 4}>
        similarity 0 … 1 · median error
      </text>
    </svg>
  );
}
