import { useEffect, useState } from 'react';
import { Dialog } from './Dialogs.tsx';
import { TrainPlot } from './TrainPlot.tsx';
import { useEngine, useSlice } from './useEditor.ts';

const fmt = (v: number | undefined | null) => (v === undefined || v === null ? '—' : v.toFixed(3));

/**
 * Train: fine-tune the model in use (or train a new one) on the project's established ground truth, watch its
 * loss and validation AP live, compare the project's models on the held-out images and choose which one detects;
 * then run detection with it and review the least sure images first.
 */
export function TrainDialog() {
  const engine = useEngine();
  const t = engine.training;
  const job = useSlice(t.job);
  const points = useSlice(t.points);
  const trainings = useSlice(t.trainings);
  const comparison = useSlice(t.comparison);
  const comparing = useSlice(t.comparing);
  const setup = useSlice(engine.setup.setup);
  const [steps, setSteps] = useState('200');
  const [fromScratch, setFromScratch] = useState(false);
  const [use, setUse] = useState(false);
  useEffect(() => {
    void t.refresh();
    void t.loadComparison(); // a comparison kept (or running) is there when the dialog is opened again
  }, [t]);
  const running = job !== null && !['done', 'failed', 'cancelled'].includes(job.stage);
  const resumable = trainings.find((r) => r.resumable);
  const n = Number(steps);
  const validSteps = Number.isInteger(n) && n > 0;
  const last = points.filter((p) => p.loss !== undefined).at(-1);
  const ap = points.filter((p) => p.valAP !== undefined).at(-1);
  return (
    <Dialog title="Train">
      <p className="muted">
        Trains on the established ground truth (accepted, “no person” and imported images); a fifth of them, chosen by
        image, is held out to measure it. Model in use: <b>{setup?.model.name ?? '…'}</b>.
      </p>
      <div className="row">
        <label>
          Steps{' '}
          <input
            data-testid="train-steps"
            type="number"
            min={1}
            value={steps}
            disabled={running}
            onChange={(e) => setSteps(e.target.value)}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={fromScratch}
            disabled={running}
            onChange={(e) => setFromScratch(e.target.checked)}
          />{' '}
          a new model (instead of fine-tuning the one in use)
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="train-use"
            checked={use}
            disabled={running}
            onChange={(e) => setUse(e.target.checked)}
          />{' '}
          detect with it when done (else compare it below and choose)
        </label>
        {running ? (
          <button type="button" data-testid="train-cancel" onClick={() => void t.cancel()}>
            Cancel (keeps the checkpoint)
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            data-testid="train-start"
            disabled={!validSteps}
            onClick={() =>
              void t.start({
                steps: n,
                ...(use ? { use } : {}),
                ...(fromScratch ? { fromScratch, resume: false } : {}),
              })
            }
          >
            {resumable && !fromScratch ? `Resume training ${resumable.id} (step ${resumable.step})` : 'Train'}
          </button>
        )}
      </div>
      {job && (
        <div className="train-status" data-testid="train-status" data-stage={job.stage}>
          {job.stage}: {job.message}
          {job.steps ? ` · step ${job.step}/${job.steps}` : ''}
          {job.etaSeconds ? ` · ETA ${Math.ceil(job.etaSeconds)} s` : ''} · loss {fmt(last?.loss)} · validation AP{' '}
          {fmt(ap?.valAP)}
        </div>
      )}
      <TrainPlot points={points} steps={job?.steps ?? null} />
      <h3>Models on the held-out images</h3>
      {comparing ? (
        <div className="row" data-testid="compare-progress" data-done={comparing.done} data-total={comparing.total}>
          <progress max={comparing.total || 1} value={comparing.done} />
          <span>
            Comparing… {comparing.total ? `${comparing.done} of ${comparing.total} image runs` : ''}
            {comparing.model ? ` (${comparing.model})` : ''}
          </span>
          <button
            type="button"
            data-testid="compare-cancel"
            disabled={!comparing.jobId}
            onClick={() => void t.cancelCompare()}
          >
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" data-testid="compare-models" disabled={running} onClick={() => void t.compare()}>
          Compare models
        </button>
      )}
      {comparison && (
        <table className="compare" data-testid="model-comparison">
          <caption>
            {comparison.heldOut.images} held-out images, {comparison.heldOut.persons} persons (training{' '}
            {comparison.trainingId})
          </caption>
          <thead>
            <tr>
              <th>model</th>
              <th>AP</th>
              <th>AP50</th>
              <th>AR</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {comparison.models.map((m) => (
              <tr key={m.modelId ?? 'bundled'} data-testid="compared-model" data-in-use={m.inUse}>
                <td>
                  {m.name}
                  {m.bundled ? ' (bundled)' : ''}
                </td>
                <td>{fmt(m.stats?.AP)}</td>
                <td>{fmt(m.stats?.AP50)}</td>
                <td>{m.stats ? fmt(m.stats.AR) : (m.error ?? '—')}</td>
                <td>
                  {m.inUse ? (
                    'detects'
                  ) : (
                    <button
                      type="button"
                      disabled={!setup}
                      onClick={() =>
                        void engine.setup.save({ settings: setup!.settings, modelId: m.modelId }).then((ok) => {
                          if (ok) return t.loadComparison();
                        })
                      }
                    >
                      Use for detection
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button
          type="button"
          data-testid="train-detect"
          disabled={!setup?.toDetect}
          onClick={() => void engine.jobs.start()}
        >
          Run detection with it ({setup?.toDetect ?? 0})
        </button>
        <button
          type="button"
          data-testid="review-least-sure"
          onClick={() => {
            engine.notices.open(null);
            void engine.setFilter({ order: 'uncertainty' });
          }}
        >
          Review the least sure first
        </button>
      </div>
    </Dialog>
  );
}
