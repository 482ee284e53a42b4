import type { TrainPoint } from '../editor/trainingMonitor.ts';

const W = 420,
  H = 200,
  PAD = 34;

/**
 * The live training plot: training loss per step and validation loss (left axis, one scale for both), validation
 * AP on the held-out images (right axis, 0…1), against the step.
 */
export function TrainPlot({ points, steps }: { points: TrainPoint[]; steps: number | null }) {
  const maxStep = Math.max(1, steps ?? 0, ...points.map((p) => p.step));
  const losses = points.flatMap((p) => [p.loss, p.valLoss]).filter((v): v is number => v !== undefined);
  const maxLoss = losses.length ? Math.max(...losses) * 1.05 : 1;
  const x = (s: number) => PAD + (s / maxStep) * (W - 2 * PAD);
  const yLoss = (v: number) => H - PAD - (v / maxLoss) * (H - PAD - 8);
  const yAP = (v: number) => H - PAD - v * (H - PAD - 8);
  const line = (key: 'loss' | 'valLoss' | 'valAP', y: (v: number) => number) =>
    points
      .filter((p) => p[key] !== undefined)
      .map((p) => `${x(p.step).toFixed(1)},${y(p[key]!).toFixed(1)}`)
      .join(' ');
  const series: [string, 'loss' | 'valLoss' | 'valAP', (v: number) => number, string][] = [
    ['training loss', 'loss', yLoss, '#4c8dff'],
    ['validation loss', 'valLoss', yLoss, '#ffd666'],
    ['validation AP', 'valAP', yAP, '#7ee2a0'],
  ];
  return (
    <svg className="plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Training plot" data-testid="train-plot">
      <rect x={PAD} y={8} width={W - 2 * PAD} height={H - PAD - 8} className="plot-frame" />
      <text x={PAD - 4} y={yLoss(maxLoss) + 10} textAnchor="end">
        {maxLoss.toPrecision(2)}
      </text>
      <text x={PAD - 4} y={yLoss(0) + 4} textAnchor="end">
        0
      </text>
      <text x={W - PAD + 4} y={yAP(1) + 10}>
        AP 1
      </text>
      <text x={W - PAD + 4} y={yAP(0) + 4}>
        0
      </text>
      <text x={x(maxStep)} y={H - PAD + 14} textAnchor="end">
        step {maxStep}
      </text>
      {series.map(([label, key, y, color], i) => {
        const pts = line(key, y);
        return (
          <g key={key} data-series={key} data-points={pts ? pts.split(' ').length : 0}>
            {pts && <polyline points={pts} fill="none" stroke={color} strokeWidth={1.5} />}
            {key !== 'loss' &&
              points
                .filter((p) => p[key] !== undefined)
                .map((p) => <circle key={`${key}-${p.step}`} cx={x(p.step)} cy={y(p[key]!)} r={2.5} fill={color} />)}
            <text x={PAD + 6 + i * 120} y={H - 6} fill={color}>
              {label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
