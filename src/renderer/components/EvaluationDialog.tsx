import { useEffect, useState } from 'react';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { CompareRunsPanel } from './CompareRunsPanel.tsx';
import { Dialog } from './Dialogs.tsx';
import { JointErrorPlot, PrecisionRecallPlot } from './EvaluationPlots.tsx';
import { ImageRow } from './ImageRow.tsx';
import { useEngine } from './useEditor.ts';

type Evaluation = PoseResponse<'evaluate'>;
type Row = Evaluation['perImage'][number];
type SortKey = 'relPath' | 'oks' | 'AP' | 'gtPersons' | 'predictions';

const STAT_ROWS = ['AP', 'AP50', 'AP75', 'APm', 'APl', 'AR'] as const;
const fmt = (v: number | null) => (v === null ? '—' : v < 0 ? 'n/a' : v.toFixed(3));

/**
 * How good a run is on what was reviewed (PRODUCT.md P0): the pycocotools numbers of the run against the reviewed
 * images, the precision–recall curve, each joint's error, and every image's OKS — sortable, a click opens the image.
 */
export function EvaluationDialog() {
  const engine = useEngine();
  const [runId, setRunId] = useState<number | undefined>(undefined);
  const [result, setResult] = useState<{ ok: Evaluation } | { error: string } | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; down: boolean }>({ key: 'oks', down: false });
  useEffect(() => {
    let live = true;
    setResult(null);
    // Failures take the one path (the status line); the dialog repeats the reason where the user looks.
    void engine.notices
      .attempt('The evaluation failed', () => engine.client.api.evaluate(runId === undefined ? {} : { runId }))
      .then((ok) => {
        if (live) setResult(ok ? { ok } : { error: engine.notices.message.get() ?? 'The evaluation failed' });
      });
    return () => {
      live = false;
    };
  }, [engine, runId]);
  if (!result) return <Dialog title="Evaluation">Evaluating…</Dialog>;
  if ('error' in result)
    return (
      <Dialog title="Evaluation">
        <p className="error" data-testid="evaluation-error">
          {result.error}
        </p>
      </Dialog>
    );
  const e = result.ok;
  const rows = sorted(e.perImage, sort.key, sort.down);
  const header = (key: SortKey, text: string) => (
    <th
      onClick={() => setSort({ key, down: sort.key === key ? !sort.down : key !== 'relPath' && key !== 'oks' })}
      aria-sort={sort.key === key ? (sort.down ? 'descending' : 'ascending') : 'none'}
    >
      {text}
      {sort.key === key ? (sort.down ? ' ▼' : ' ▲') : ''}
    </th>
  );
  return (
    <Dialog title="Evaluation">
      <label>
        Run{' '}
        <select aria-label="Run" value={e.run.id} onChange={(ev) => setRunId(Number(ev.target.value))}>
          {e.runs.map((r) => (
            <option key={r.id} value={r.id}>
              run {r.id}: {r.model}, scales {r.settings.scales.join(',')}
              {r.settings.flip ? ' + flip' : ''}, {r.settings.mode} ({r.status}, {r.predictions} images)
            </option>
          ))}
        </select>
      </label>
      <p className="muted">
        Against the {e.images} reviewed image{e.images === 1 ? '' : 's'} (accepted and "no person"), with the
        pycocotools-exact evaluator (OKS, maxDets 20).
      </p>
      <div className="evaluation">
        <table className="stats" data-testid="eval-stats">
          <tbody>
            {STAT_ROWS.map((k) => (
              <tr key={k}>
                <th>{k}</th>
                <td data-stat={k}>{fmt(e.overall[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <PrecisionRecallPlot curve={e.curve} />
        <JointErrorPlot joints={e.joints} />
      </div>
      <table className="per-image" data-testid="per-image">
        <thead>
          <tr>
            {header('relPath', 'image')}
            {header('oks', 'OKS')}
            {header('AP', 'AP')}
            {header('gtPersons', 'persons')}
            {header('predictions', 'predicted')}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <ImageRow key={r.imageId} imageId={r.imageId}>
              <td>{r.relPath}</td>
              <td>{fmt(r.oks)}</td>
              <td>{fmt(r.AP)}</td>
              <td>{r.gtPersons}</td>
              <td>{r.predictions}</td>
            </ImageRow>
          ))}
        </tbody>
      </table>
      <CompareRunsPanel runs={e.runs} runA={e.run.id} />
    </Dialog>
  );
}

/** Rows by a column; images without a GT person (OKS null) last whichever way. */
function sorted(rows: Row[], key: SortKey, down: boolean): Row[] {
  const sign = down ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key],
      y = b[key];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return sign * c || a.relPath.localeCompare(b.relPath);
  });
}
