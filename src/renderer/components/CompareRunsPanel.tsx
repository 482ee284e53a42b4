import { useEffect, useState } from 'react';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { ImageRow } from './ImageRow.tsx';
import { useEngine } from './useEditor.ts';

type Runs = PoseResponse<'evaluate'>['runs'];
type Comparison = PoseResponse<'compareRuns'>;

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const gap = (r: Comparison['images'][number]) => Math.abs((r.oksA ?? 0) - (r.oksB ?? 0));

/**
 * "Compare runs" (issue 16): per reviewed image, which of two runs agrees better with the labels (mean OKS of its
 * GT persons, the evaluator's matching), the images where they differ most first; a click opens the image.
 */
export function CompareRunsPanel({ runs, runA }: { runs: Runs; runA: number }) {
  const engine = useEngine();
  const [runB, setRunB] = useState<number | null>(null);
  const [result, setResult] = useState<Comparison | null>(null);
  useEffect(() => {
    setResult(null);
    if (runB === null) return;
    let live = true;
    void engine.notices
      .attempt('The runs could not be compared', () => engine.client.api.compareRuns({ runA, runB }))
      .then((r) => {
        if (live && r) setResult(r);
      });
    return () => {
      live = false;
    };
  }, [engine, runA, runB]);
  const others = runs.filter((r) => r.id !== runA);
  if (others.length === 0) return null;
  const rows = result ? [...result.images].sort((x, y) => gap(y) - gap(x) || x.relPath.localeCompare(y.relPath)) : [];
  return (
    <section className="compare-runs" aria-label="Compare runs">
      <label>
        Compare with{' '}
        <select
          aria-label="Compare with run"
          value={runB ?? ''}
          onChange={(ev) => setRunB(ev.target.value === '' ? null : Number(ev.target.value))}
        >
          <option value="">—</option>
          {others.map((r) => (
            <option key={r.id} value={r.id}>
              run {r.id}: {r.model} ({r.predictions} images)
            </option>
          ))}
        </select>
      </label>
      {result && (
        <>
          <p data-testid="compare-summary">
            run {runA} agrees better on {result.summary.a}, run {runB} on {result.summary.b}, the same on{' '}
            {result.summary.same} of {result.images.length} reviewed images
          </p>
          <table className="per-image" data-testid="compare-runs">
            <thead>
              <tr>
                <th>image</th>
                <th>OKS run {runA}</th>
                <th>OKS run {runB}</th>
                <th>better</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <ImageRow key={r.imageId} imageId={r.imageId}>
                  <td>{r.relPath}</td>
                  <td>{fmt(r.oksA)}</td>
                  <td>{fmt(r.oksB)}</td>
                  <td>{r.better === 'same' ? 'same' : `run ${r.better === 'a' ? runA : runB}`}</td>
                </ImageRow>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
